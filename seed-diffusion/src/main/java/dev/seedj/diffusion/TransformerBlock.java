package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.LayerNorm;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;

/**
 * Stable Diffusion's {@code BasicTransformerBlock} (same keys in CompVis and diffusers): pre-LayerNorm self-attention
 * ({@code norm1}, {@code attn1}), cross-attention to the context ({@code norm2}, {@code attn2}) and a GEGLU
 * feed-forward ({@code norm3}, {@code ff.net.0.proj} to 2 x 4 x dim, {@code ff.net.2} back), each added to the
 * residual stream. LayerNorm eps 1e-5; the GEGLU gate is the exact (erf) GELU.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
final class TransformerBlock extends SeedBlock {
    private static final float LAYER_NORM_EPS = 1e-5f;
    private static final int FF_MULT = 4;

    private final LayerNorm norm1;
    private final CrossAttention attn1;
    private final LayerNorm norm2;
    private final CrossAttention attn2;
    private final LayerNorm norm3;
    private final Linear geglu;
    private final Linear ffOut;

    /**
     * @param dim token width (heads x dimHead)
     * @param heads number of heads
     * @param dimHead width of a head
     * @param contextDim width of the cross-attention context
     */
    TransformerBlock(long dim, int heads, long dimHead, long contextDim) {
        long hidden = FF_MULT * dim;
        this.norm1 = declareChild("norm1", new LayerNorm(dim, LAYER_NORM_EPS));
        this.attn1 = declareChild("attn1", new CrossAttention(dim, dim, heads, dimHead));
        this.norm2 = declareChild("norm2", new LayerNorm(dim, LAYER_NORM_EPS));
        this.attn2 = declareChild("attn2", new CrossAttention(dim, contextDim, heads, dimHead));
        this.norm3 = declareChild("norm3", new LayerNorm(dim, LAYER_NORM_EPS));
        this.geglu = declareChild("ff.net.0.proj", new Linear(dim, 2 * hidden, true));
        this.ffOut = declareChild("ff.net.2", new Linear(hidden, dim, true));
    }

    /**
     * @param x [B, T, dim]
     * @param context [B, Tc, contextDim]
     * @param recorder receives {@code norm1}, {@code attn1}, {@code attn2} and {@code ff} (branch outputs)
     * @return [B, T, dim]
     */
    NDArray forward(NDArray x, NDArray context, ActivationRecorder recorder) {
        NDArray selfAttended = ArrayScopes.branch(x, in -> {
            NDArray normed = norm1.forward(in);
            recorder.record("norm1", normed);
            return attn1.forward(normed, null);
        });
        recorder.record("attn1", selfAttended);
        NDArray h1 = OwnedArrays.add(selfAttended, x); // the residual stream, one buffer per sub-layer
        NDArray crossAttended = ArrayScopes.branch(h1, in -> attn2.forward(norm2.forward(in), context));
        recorder.record("attn2", crossAttended);
        NDArray h2 = OwnedArrays.add(crossAttended, h1);
        h1.close();
        NDArray fed = ArrayScopes.branch(h2, in -> feedForward(norm3.forward(in)));
        recorder.record("ff", fed);
        NDArray out = OwnedArrays.add(fed, h2);
        h2.close();
        return out;
    }

    /** GEGLU: {@code value * gelu(gate)} with [value | gate] = proj(x), then the output projection. */
    private NDArray feedForward(NDArray x) {
        NDArray projected = geglu.forward(x); // [B, T, 2 * hidden]
        NDList halves = projected.split(2, projected.getShape().dimension() - 1); // value, gate: [B, T, hidden] each
        NDArray gated = OwnedArrays.mul(Activation.gelu(halves.get(1)), halves.get(0));
        halves.close();
        projected.close();
        NDArray out = ffOut.forward(gated); // [B, T, dim]
        gated.close();
        return out;
    }
}
