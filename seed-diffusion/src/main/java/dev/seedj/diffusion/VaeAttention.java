package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.nn.Conv2d;
import dev.seedj.core.nn.GroupNorm;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;

/**
 * The VAE's single-head self-attention over all positions (CompVis {@code AttnBlock}: 1 x 1 convolutions
 * {@code q, k, v, proj_out} after {@code norm}; diffusers {@code Attention}: linear {@code to_q, to_k, to_v,
 * to_out.0} after {@code group_norm}, or the older {@code query, key, value, proj_attn}), scores scaled by
 * {@code C^-0.5}, added to the input. GroupNorm 32 groups, eps 1e-6.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
final class VaeAttention extends SeedBlock {
    private static final int GROUPS = 32;
    private static final float EPS = 1e-6f;

    /**
     * The state-dict names in one layout.
     *
     * @param norm the GroupNorm
     * @param q query projection
     * @param k key projection
     * @param v value projection
     * @param out output projection
     * @param convolutions whether the projections are 1 x 1 convolutions ([C, C, 1, 1]) rather than linear ([C, C])
     */
    record Names(String norm, String q, String k, String v, String out, boolean convolutions) {
        /** CompVis {@code AttnBlock}. */
        static final Names COMPVIS = new Names("norm", "q", "k", "v", "proj_out", true);
        /** diffusers 0.14 and later. */
        static final Names DIFFUSERS = new Names("group_norm", "to_q", "to_k", "to_v", "to_out.0", false);
        /** diffusers before 0.14 (still in many published {@code vae/} folders). */
        static final Names DIFFUSERS_LEGACY = new Names("group_norm", "query", "key", "value", "proj_attn", false);
    }

    private final long channels;
    private final GroupNorm norm;
    private final SeedBlock[] projections; // q, k, v, out

    /**
     * @param names the layout's names
     * @param channels C
     */
    VaeAttention(Names names, long channels) {
        this.channels = channels;
        this.norm = declareChild(names.norm(), new GroupNorm(GROUPS, channels, EPS));
        String[] keys = {names.q(), names.k(), names.v(), names.out()};
        this.projections = new SeedBlock[keys.length];
        for (int i = 0; i < keys.length; i++) {
            projections[i] = declareChild(keys[i], names.convolutions()
                    ? new Conv2d(channels, channels, 1, 1, 0, true) : new Linear(channels, channels, true));
        }
    }

    /**
     * @param x [B, C, H, W]
     * @return [B, C, H, W]
     */
    NDArray forward(NDArray x) {
        Shape s = x.getShape();
        NDArray normed = norm.forward(x); // [B, C, H, W]
        NDArray tokens = normed.reshape(s.get(0), channels, s.get(2) * s.get(3)).transpose(0, 2, 1); // [B, HW, C]
        normed.close();
        NDArray q = project(0, tokens).expandDims(1); // [B, 1, HW, C]
        NDArray k = project(1, tokens).expandDims(1);
        NDArray v = project(2, tokens).expandDims(1);
        tokens.close();
        NDArray attended = CrossAttention.attendInSlices(q, k, v, (float) Math.pow(channels, -0.5)); // [B, 1, HW, C]
        q.close();
        k.close();
        v.close();
        NDArray out = project(3, attended.squeeze(1)); // [B, HW, C]
        attended.close();
        NDArray map = out.transpose(0, 2, 1).reshape(s); // [B, C, H, W], a copy
        out.close();
        return OwnedArrays.add(map, x);
    }

    /** A projection on tokens [B, HW, C]; a 1 x 1 convolution is the same matrix applied to each token. */
    private NDArray project(int index, NDArray tokens) {
        SeedBlock p = projections[index];
        if (p instanceof Linear linear) {
            return linear.forward(tokens);
        }
        Conv2d conv = (Conv2d) p;
        NDArray weight = conv.weight().getArray();
        NDArray matrix = weight.reshape(channels, channels);
        matrix.attach(tokens.getManager());
        return ai.djl.nn.core.Linear.linear(tokens, matrix, conv.bias().getArray()).singletonOrThrow();
    }
}
