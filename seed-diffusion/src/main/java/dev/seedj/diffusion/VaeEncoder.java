package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.Conv2d;
import dev.seedj.core.nn.GroupNorm;
import dev.seedj.core.nn.SeedBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * The VAE encoder (CompVis {@code model.Encoder} with {@code double_z}, diffusers {@code Encoder}): {@code conv_in};
 * per level N ResnetBlocks (+ attention where configured) and, except at the deepest level, a stride-2 conv after
 * bottom/right zero padding; middle ResnetBlock, attention, ResnetBlock; GroupNorm, SiLU, {@code conv_out} to the
 * 2 x latent channels of the Gaussian's mean and log-variance.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
final class VaeEncoder extends SeedBlock {
    private static final float EPS = 1e-6f;
    private static final int GROUPS = 32;

    private final Conv2d convIn;
    private final List<SeedBlock> steps = new ArrayList<>();
    private final GroupNorm normOut;
    private final Conv2d convOut;

    /**
     * @param config the VAE's shape
     * @param layout key layout
     * @param attentionNames the attention blocks' names
     */
    VaeEncoder(VaeConfig config, CheckpointLayout layout, VaeAttention.Names attentionNames) {
        boolean compVis = layout == CheckpointLayout.COMPVIS;
        ResBlock.Names res = compVis ? ResBlock.Names.COMPVIS_VAE : ResBlock.Names.DIFFUSERS;
        long ch = config.baseChannels();
        this.convIn = declareChild("conv_in", Conv2d.same(config.imageChannels(), ch, 3));
        int top = config.levels() - 1;
        for (int level = 0; level <= top; level++) {
            String prefix = compVis ? "down." + level : "down_blocks." + level;
            long out = config.channels(level);
            for (int j = 0; j < config.numResBlocks(); j++) {
                steps.add(declareChild(prefix + (compVis ? ".block." : ".resnets.") + j,
                        new ResBlock(res, ch, out, 0, EPS)));
                ch = out;
                if (config.attention().get(level)) {
                    steps.add(declareChild(prefix + (compVis ? ".attn." : ".attentions.") + j,
                            new VaeAttention(attentionNames, ch)));
                }
            }
            if (level != top) {
                steps.add(declareChild(prefix + (compVis ? ".downsample" : ".downsamplers.0"),
                        new Downsample2x("conv", ch, true)));
            }
        }
        steps.add(declareChild(compVis ? "mid.block_1" : "mid_block.resnets.0", new ResBlock(res, ch, ch, 0, EPS)));
        steps.add(declareChild(compVis ? "mid.attn_1" : "mid_block.attentions.0", new VaeAttention(attentionNames, ch)));
        steps.add(declareChild(compVis ? "mid.block_2" : "mid_block.resnets.1", new ResBlock(res, ch, ch, 0, EPS)));
        this.normOut = declareChild(compVis ? "norm_out" : "conv_norm_out", new GroupNorm(GROUPS, ch, EPS));
        this.convOut = declareChild("conv_out", Conv2d.same(ch, 2L * config.latentChannels(), 3));
    }

    /**
     * @param image [B, imageChannels, H, W] in [-1, 1]; H and W multiples of the VAE's downscale
     * @return [B, 2 x latent, H / f, W / f] (mean, then log-variance), in {@code image}'s manager
     */
    NDArray forward(NDArray image) {
        NDArray h = convIn.forward(image);
        for (SeedBlock step : steps) {
            h = Scopes.consume(h, in -> VaeDecoder.apply(step, in));
        }
        return Scopes.consume(h, in -> convOut.forward(Silu.consume(normOut.forward(in))));
    }
}
