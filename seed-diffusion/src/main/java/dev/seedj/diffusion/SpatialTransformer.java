package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.nn.Conv2d;
import dev.seedj.core.nn.GroupNorm;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;

/**
 * A transformer over the positions of a feature map (CompVis {@code SpatialTransformer}, diffusers
 * {@code Transformer2DModel}): GroupNorm ({@code norm}, 32 groups, eps 1e-6), {@code proj_in}, the
 * {@code transformer_blocks}, {@code proj_out}, added to the input. The projections are 1 x 1 convolutions on the
 * map (SD 1.x) or linear layers on the tokens ({@code use_linear_in_transformer} / {@code use_linear_projection},
 * SD 2.x).
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
final class SpatialTransformer extends SeedBlock {
    private static final int GROUPS = 32;
    private static final float NORM_EPS = 1e-6f;

    private final boolean linearProjections;
    private final GroupNorm norm;
    private final SeedBlock projIn;
    private final TransformerBlock[] blocks;
    private final SeedBlock projOut;

    /**
     * @param channels channels of the feature map
     * @param heads number of heads
     * @param dimHead width of a head
     * @param depth number of transformer blocks
     * @param contextDim width of the cross-attention context
     * @param linearProjections linear {@code proj_in}/{@code proj_out} on tokens instead of 1 x 1 convolutions
     */
    SpatialTransformer(long channels, int heads, long dimHead, int depth, long contextDim, boolean linearProjections) {
        long inner = heads * dimHead;
        this.linearProjections = linearProjections;
        this.norm = declareChild("norm", new GroupNorm(GROUPS, channels, NORM_EPS));
        this.projIn = declareChild("proj_in", linearProjections
                ? new Linear(channels, inner, true) : new Conv2d(channels, inner, 1, 1, 0, true));
        this.blocks = new TransformerBlock[depth];
        for (int i = 0; i < depth; i++) {
            blocks[i] = declareChild("transformer_blocks." + i, new TransformerBlock(inner, heads, dimHead, contextDim));
        }
        this.projOut = declareChild("proj_out", linearProjections
                ? new Linear(inner, channels, true) : new Conv2d(inner, channels, 1, 1, 0, true));
    }

    /**
     * @param x [B, C, H, W]
     * @param context [B, Tc, contextDim]
     * @param recorder receives {@code norm}, {@code proj_in}, {@code transformer_blocks.<i>} (and their insides)
     *     and {@code proj_out}
     * @return [B, C, H, W]
     */
    NDArray forward(NDArray x, NDArray context, ActivationRecorder recorder) {
        Shape s = x.getShape();
        NDArray normed = norm.forward(x); // [B, C, H, W]
        recorder.record("norm", normed);
        NDArray h;
        if (linearProjections) {
            NDArray tokens = toTokens(normed);
            h = ((Linear) projIn).forward(tokens); // [B, HW, inner]
            tokens.close();
            normed.close();
            recorder.record("proj_in", h);
        } else {
            NDArray map = OwnedArrays.conv((Conv2d) projIn, normed); // [B, inner, H, W]
            recorder.record("proj_in", map);
            h = toTokens(map); // a view: the memory is freed with h
            map.close();
        }
        for (int i = 0; i < blocks.length; i++) {
            String name = "transformer_blocks." + i;
            NDArray next = blocks[i].forward(h, context, recorder.scope(name));
            recorder.record(name, next);
            h.close();
            h = next;
        }
        NDArray out;
        if (linearProjections) {
            NDArray projected = ((Linear) projOut).forward(h);
            out = toMap(projected, s.get(2), s.get(3));
            projected.close();
        } else {
            out = OwnedArrays.conv((Conv2d) projOut, toMap(h, s.get(2), s.get(3)));
        }
        h.close();
        recorder.record("proj_out", out);
        return OwnedArrays.add(out, x);
    }

    /** [B, C, H, W] to [B, HW, C], positions row-major. */
    private static NDArray toTokens(NDArray map) {
        Shape s = map.getShape();
        return map.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1);
    }

    /** [B, HW, C] to [B, C, H, W]. */
    private static NDArray toMap(NDArray tokens, long height, long width) {
        Shape s = tokens.getShape();
        return tokens.transpose(0, 2, 1).reshape(s.get(0), s.get(2), height, width);
    }
}
