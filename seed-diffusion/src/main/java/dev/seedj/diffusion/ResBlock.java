package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.Conv2d;
import dev.seedj.core.nn.GroupNorm;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;

/**
 * The residual block of the UNet and the VAE (CompVis {@code ResBlock} / {@code ResnetBlock}, diffusers
 * {@code ResnetBlock2D}): {@code h = conv1(silu(norm1(x)))}, plus {@code emb_proj(silu(emb))} per channel when the
 * block reads a timestep embedding, then {@code conv2(silu(norm2(h)))} (dropout is off), added to {@code x} or to
 * a 1 x 1 {@code shortcut(x)} when the channel count changes. GroupNorm has 32 groups.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
final class ResBlock extends SeedBlock {
    private static final int GROUPS = 32;

    /**
     * The state-dict names of the block's layers in one layout.
     *
     * @param norm1 first GroupNorm
     * @param conv1 first 3 x 3 convolution
     * @param embProj projection of the timestep embedding (unused by the VAE)
     * @param norm2 second GroupNorm
     * @param conv2 second 3 x 3 convolution
     * @param shortcut 1 x 1 convolution on the residual path when the channel count changes
     * @param inStage name recorded for {@code conv1}'s output, or null
     * @param embStage name recorded for the projected embedding, or null
     */
    record Names(String norm1, String conv1, String embProj, String norm2, String conv2, String shortcut,
            String inStage, String embStage) {
        /** CompVis {@code openaimodel.ResBlock}. */
        static final Names COMPVIS_UNET = new Names("in_layers.0", "in_layers.2", "emb_layers.1", "out_layers.0",
                "out_layers.3", "skip_connection", "in_layers", "emb_layers");
        /** CompVis {@code model.ResnetBlock} (VAE). */
        static final Names COMPVIS_VAE = new Names("norm1", "conv1", null, "norm2", "conv2", "nin_shortcut",
                null, null);
        /** diffusers {@code ResnetBlock2D} (UNet and VAE). */
        static final Names DIFFUSERS = new Names("norm1", "conv1", "time_emb_proj", "norm2", "conv2", "conv_shortcut",
                null, null);
    }

    private final Names names;
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear embProj;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d shortcut;

    /**
     * @param names the layout's layer names
     * @param in input channels
     * @param out output channels
     * @param embDim width of the timestep embedding, or 0 for none (VAE)
     * @param eps the GroupNorms' epsilon
     */
    ResBlock(Names names, long in, long out, long embDim, float eps) {
        this.names = names;
        this.norm1 = declareChild(names.norm1(), new GroupNorm(GROUPS, in, eps));
        this.conv1 = declareChild(names.conv1(), Conv2d.same(in, out, 3));
        this.embProj = embDim > 0 ? declareChild(names.embProj(), new Linear(embDim, out, true)) : null;
        this.norm2 = declareChild(names.norm2(), new GroupNorm(GROUPS, out, eps));
        this.conv2 = declareChild(names.conv2(), Conv2d.same(out, out, 3));
        this.shortcut = in != out ? declareChild(names.shortcut(), new Conv2d(in, out, 1, 1, 0, true)) : null;
    }

    /**
     * @param x [B, in, H, W]
     * @param emb [B, embDim], or null for a block without embedding
     * @param recorder receives the layout's inner stages (CompVis UNet: {@code in_layers}, {@code emb_layers})
     * @return [B, out, H, W]
     */
    NDArray forward(NDArray x, NDArray emb, ActivationRecorder recorder) {
        // every intermediate is freed (or overwritten) as soon as the next one exists
        NDArray h = OwnedArrays.conv(conv1, Silu.consume(norm1.forward(x))); // [B, out, H, W]
        if (names.inStage() != null) {
            recorder.record(names.inStage(), h);
        }
        if (embProj != null) {
            NDArray activated = Silu.apply(emb);
            NDArray e = embProj.forward(activated); // [B, out]
            activated.close();
            if (names.embStage() != null) {
                recorder.record(names.embStage(), e);
            }
            NDArray perChannel = e.reshape(e.getShape().get(0), e.getShape().get(1), 1, 1); // [B, out, 1, 1]
            h = OwnedArrays.add(h, perChannel);
            perChannel.close();
            e.close();
        }
        NDArray normed = norm2.forward(h);
        h.close();
        h = OwnedArrays.conv(conv2, Silu.consume(normed));
        if (shortcut == null) {
            return OwnedArrays.add(h, x);
        }
        NDArray residual = shortcut.forward(x);
        h = OwnedArrays.add(h, residual);
        residual.close();
        return h;
    }
}
