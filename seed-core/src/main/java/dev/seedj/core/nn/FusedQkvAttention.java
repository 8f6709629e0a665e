package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * ViT self-attention with one fused {@code qkv} projection (rows laid out [q; k; v]) and an output
 * {@code proj}, as in timm and EVA. The qkv bias is either a full {@code qkv.bias} (timm) or EVA's
 * {@code q_bias} and {@code v_bias} with no key bias ({@code [q_bias, 0, v_bias]}).
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class FusedQkvAttention extends SeedBlock {

    /** Which bias the fused projection carries. */
    public enum QkvBias {
        /** One bias {@code qkv.bias [3 * dim]}. */
        FULL,
        /** EVA: {@code q_bias [dim]} and {@code v_bias [dim]}, the key bias is zero. */
        QUERY_AND_VALUE
    }

    private final long dim;
    private final int numHeads;
    private final float scale;
    private final Linear qkv;
    private final Parameter qBias;
    private final Parameter vBias;
    private final Linear proj;

    /**
     * @param dim token width
     * @param numHeads number of heads; must divide dim
     * @param bias which qkv bias the checkpoint has
     */
    public FusedQkvAttention(long dim, int numHeads, QkvBias bias) {
        if (numHeads <= 0 || dim % numHeads != 0) {
            throw new IllegalArgumentException("width " + dim + " is not divisible by the number of heads " + numHeads);
        }
        this.dim = dim;
        this.numHeads = numHeads;
        this.scale = (float) Math.pow((double) dim / numHeads, -0.5);
        this.qkv = declareChild("qkv", new Linear(dim, 3 * dim, bias == QkvBias.FULL));
        if (bias == QkvBias.QUERY_AND_VALUE) {
            this.qBias = declareParameter("q_bias", new Shape(dim), ParameterInit.ZEROS);
            this.vBias = declareParameter("v_bias", new Shape(dim), ParameterInit.ZEROS);
        } else {
            this.qBias = null;
            this.vBias = null;
        }
        this.proj = declareChild("proj", new Linear(dim, dim, true));
    }

    /**
     * @param x [B, T, dim]
     * @param additiveMask broadcastable to [B, H, T, T], or null
     * @return [B, T, dim]
     */
    public NDArray forward(NDArray x, NDArray additiveMask) {
        Shape s = x.getShape();
        long b = s.get(0);
        long t = s.get(1);
        NDArray fused; // [B, T, 3 * dim]
        if (qBias == null) {
            fused = qkv.forward(x);
        } else {
            NDManager scope = x.getManager();
            NDArray q = qBias.getArray();
            NDArray zeros = ReducedPrecision.zerosLike(q, scope); // [dim]; DJL's zeros of a bfloat16 type aborts
            // [q_bias, 0, v_bias]; concat puts it in the parameters' manager: it belongs to this call
            NDArray bias = ArrayScopes.adopt(NDArrays.concat(new NDList(q, zeros, vBias.getArray())), scope);
            fused = qkv.forward(x, bias);
        }
        NDArray heads = fused.reshape(b, t, 3, numHeads, dim / numHeads).transpose(2, 0, 3, 1, 4); // [3, B, H, T, D]
        NDArray q = heads.get(0).mul(GraphConstants.of(x, scale)); // EVA scales q before q k^T
        NDArray k = heads.get(1);
        NDArray v = heads.get(2);
        NDArray out = AttentionMath.attend(q, k, v, additiveMask, 1f); // [B, H, T, D]
        return proj.forward(AttentionMath.mergeHeads(out)); // [B, T, dim]
    }
}
