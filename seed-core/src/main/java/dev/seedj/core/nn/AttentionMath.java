package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.weights.LibtorchOps;

/**
 * Scaled dot-product attention and the head reshapes around it. Heads are contiguous blocks of
 * features, as in BERT, ViT and OPT: feature {@code h * headDim + d} belongs to head {@code h}.
 *
 * <p>Stateless and thread-safe.
 */
public final class AttentionMath {
    private AttentionMath() {}

    /**
     * @param x [B, T, H * D]
     * @param numHeads H
     * @return [B, H, T, D]
     */
    public static NDArray splitHeads(NDArray x, int numHeads) {
        Shape s = x.getShape();
        long b = s.get(0);
        long t = s.get(1);
        long d = s.get(2) / numHeads;
        return x.reshape(b, t, numHeads, d).transpose(0, 2, 1, 3);
    }

    /**
     * @param x [B, H, T, D]
     * @return [B, T, H * D]
     */
    public static NDArray mergeHeads(NDArray x) {
        Shape s = x.getShape();
        return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }

    /**
     * {@code softmax(q k^T * scale + mask) v}.
     *
     * @param q [B, H, Tq, D]
     * @param k [B, H, Tk, D]
     * @param v [B, H, Tk, D]
     * @param additiveMask broadcastable to [B, H, Tq, Tk] (0 keeps, a large negative value removes), or null
     * @param scale multiplies the scores, usually {@code D^-0.5}
     * @return [B, H, Tq, D]
     */
    public static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray additiveMask, float scale) {
        // [B, H, D, Tk]; k may belong to a long-lived KvCache: the view belongs to the caller's call
        NDArray keysT = ArrayScopes.adopt(k.transpose(0, 1, 3, 2), q);
        NDArray scores = q.matMul(keysT); // [B, H, Tq, Tk]
        if (scale != 1f) {
            scores = replace(scores, scores.mul(GraphConstants.of(q, scale)));
        }
        if (additiveMask != null) {
            scores = replace(scores, scores.add(additiveMask)); // a float32 mask makes bfloat16 scores float32
        }
        if (LibtorchOps.isBfloat16(v)) {
            return ReducedPrecision.softmaxInFloat32(scores, v); // DJL's softmax of a bfloat16 array aborts
        }
        NDArray probs = replace(scores, scores.softmax(-1)); // [B, H, Tq, Tk]
        return replace(probs, probs.matMul(v)); // [B, H, Tq, D]
    }

    /**
     * Frees a score-sized temporary as soon as its successor exists, so that a layer holds one or two
     * [B, H, Tq, Tk] arrays rather than four. Safe under autograd: the graph keeps its own references to
     * the (natively allocated) tensors backward reads.
     */
    static NDArray replace(NDArray previous, NDArray next) {
        previous.close();
        return next;
    }
}
