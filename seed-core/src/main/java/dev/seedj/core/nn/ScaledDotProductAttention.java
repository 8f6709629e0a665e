package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.weights.LibtorchOps;

/**
 * {@code softmax(q k^T * scale + mask) v} through libtorch's fused {@code scaled_dot_product_attention}, which DJL
 * does not expose. On the CPU libtorch runs its flash-attention kernel: queries and keys are taken in blocks with an
 * online softmax, so the {@code [B, H, Tq, Tk]} score and probability matrices never exist (1 GB each for the
 * self-attention of a 64 x 64 Stable Diffusion latent with 8 heads and batch 2) and the small-K matrix products
 * stay in cache.
 *
 * <p>{@link #attend} uses the fused kernel when {@link #fusable} holds (libtorch loaded through
 * {@link LibtorchOps}, float32 inputs of matching shapes, an optional float32 additive mask) and otherwise the plain
 * {@link AttentionMath#attend} with the same meaning, so callers need not care which one ran. Both agree to float32
 * rounding (the fused kernel sums in another order).
 *
 * <p>Stateless and thread-safe.
 */
public final class ScaledDotProductAttention {
    private ScaledDotProductAttention() {}

    /**
     * @return whether the fused kernel can be called here at all (Linux x86-64 with DJL's libtorch)
     */
    public static boolean available() {
        return LibtorchOps.available();
    }

    /**
     * @param q queries
     * @param k keys
     * @param v values
     * @param additiveMask a mask, or null
     * @return whether {@link #attend} with these arrays runs the fused kernel: it is {@link #available()}, all are
     *     float32 of rank 4 with q [B, H, Tq, D], k [B, H, Tk, D], v [B, H, Tk, Dv], none empty, and the mask is
     *     null or float32 broadcastable to [B, H, Tq, Tk] (any rank up to 4)
     */
    public static boolean fusable(NDArray q, NDArray k, NDArray v, NDArray additiveMask) {
        if (!available() || !isFloat32(q) || !isFloat32(k) || !isFloat32(v)) {
            return false;
        }
        Shape qs = q.getShape();
        Shape ks = k.getShape();
        Shape vs = v.getShape();
        if (qs.dimension() != 4 || ks.dimension() != 4 || vs.dimension() != 4 || qs.size() == 0 || ks.size() == 0
                || vs.size() == 0) {
            return false;
        }
        boolean shapes = ks.get(0) == qs.get(0) && vs.get(0) == qs.get(0) && ks.get(1) == qs.get(1)
                && vs.get(1) == qs.get(1) && ks.get(3) == qs.get(3) && vs.get(2) == ks.get(2);
        return shapes && (additiveMask == null || maskFits(additiveMask, new Shape(qs.get(0), qs.get(1), qs.get(2),
                ks.get(2))));
    }

    /**
     * {@code softmax(q k^T * scale + mask) v}, fused where {@link #fusable}, else {@link AttentionMath#attend}.
     *
     * @param q [B, H, Tq, D]
     * @param k [B, H, Tk, D]
     * @param v [B, H, Tk, Dv]
     * @param additiveMask broadcastable to [B, H, Tq, Tk] (0 keeps, a large negative value removes), or null
     * @param scale multiplies the scores, usually {@code D^-0.5}
     * @return [B, H, Tq, Dv], in {@code q}'s manager
     */
    public static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray additiveMask, float scale) {
        if (!fusable(q, k, v, additiveMask)) {
            return AttentionMath.attend(q, k, v, additiveMask, scale);
        }
        if (additiveMask == null || additiveMask.getShape().dimension() == 4) {
            return LibtorchOps.scaledDotProductAttention(q, k, v, additiveMask, scale);
        }
        NDArray mask = additiveMask.reshape(rank4(additiveMask.getShape())); // a view with leading 1s
        try {
            return LibtorchOps.scaledDotProductAttention(q, k, v, mask, scale);
        } finally {
            mask.close();
        }
    }

    private static boolean isFloat32(NDArray array) {
        return array.getDataType() == DataType.FLOAT32;
    }

    /** Whether a float32 mask of rank <= 4 broadcasts to {@code target} (numpy rules from the right). */
    private static boolean maskFits(NDArray mask, Shape target) {
        Shape ms = mask.getShape();
        if (!isFloat32(mask) || ms.dimension() > 4 || ms.dimension() == 0) {
            return false;
        }
        Shape full = rank4(ms);
        for (int i = 0; i < 4; i++) {
            if (full.get(i) != 1 && full.get(i) != target.get(i)) {
                return false;
            }
        }
        return full.get(3) == target.get(3); // the kernel reads a full row of keys
    }

    /** {@code shape} with leading 1s up to rank 4. */
    private static Shape rank4(Shape shape) {
        long[] dims = {1, 1, 1, 1};
        for (int i = 0; i < shape.dimension(); i++) {
            dims[4 - shape.dimension() + i] = shape.get(i);
        }
        return new Shape(dims);
    }
}
