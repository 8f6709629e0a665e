package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;

/**
 * The pre-LayerNorm transformer block of ViT (timm and EVA naming):
 * {@code x = x + attn(norm1(x)); x = x + mlp(norm2(x))}, with exact-erf GELU in the MLP.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class VitBlock extends SeedBlock {
    /**
     * Token rows a residual branch processes at once at inference (2 images of 257 tokens), and the slice of a batch
     * the EVA tower runs through all its blocks at once: enough for full-speed matrix products, few enough that a
     * batch-8 pass holds a quarter of the intermediates. Slices of 4 images encoded ViT-B batches of 8 as fast and
     * peaked up to 120 MiB higher (the C allocator keeps more of the larger blocks it frees).
     */
    public static final long ROWS_PER_SLICE = 514;
    private final LayerNorm norm1;
    private final FusedQkvAttention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;

    /**
     * @param dim token width
     * @param numHeads attention heads
     * @param mlpHidden inner MLP width (timm: {@code int(dim * mlp_ratio)})
     * @param eps LayerNorm epsilon
     * @param qkvBias the layout of the qkv bias
     */
    public VitBlock(long dim, int numHeads, long mlpHidden, float eps, FusedQkvAttention.QkvBias qkvBias) {
        this.norm1 = declareChild("norm1", new LayerNorm(dim, eps));
        this.attn = declareChild("attn", new FusedQkvAttention(dim, numHeads, qkvBias));
        this.norm2 = declareChild("norm2", new LayerNorm(dim, eps));
        this.mlp = declareChild("mlp", new Mlp(dim, mlpHidden, ActivationFunction.GELU));
    }

    /**
     * @param x [B, T, dim]
     * @return [B, T, dim]
     */
    public NDArray forward(NDArray x) {
        // each residual branch frees its intermediates (qkv, scores, MLP hidden) as soon as it is done, and at
        // inference runs a large batch in slices, so that those intermediates exist for one slice at a time
        NDArray h = residual(x,
                ArrayScopes.branchInSlices(x, ROWS_PER_SLICE, t -> attn.forward(norm1.forward(t), null)));
        NDArray out = residual(h,
                ArrayScopes.branchInSlices(h, ROWS_PER_SLICE, t -> mlp.forward(norm2.forward(t))));
        h.close(); // created here and read by nothing after this line
        return out;
    }

    /**
     * @param x the residual stream [B, T, dim], borrowed
     * @param branch a branch output of the same shape, created by this block
     * @return {@code x + branch}; at inference written into the branch's buffer, so that a block allocates no array
     *     for its sums and frees the branch outputs as it goes
     */
    private static NDArray residual(NDArray x, NDArray branch) {
        if (TorchAutograd.isRecording() || branch.getDataType() != x.getDataType()) {
            NDArray sum = x.add(branch);
            branch.close();
            return sum;
        }
        return branch.addi(x);
    }
}
