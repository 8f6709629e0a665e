package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.Conv2d;
import dev.seedj.core.nn.GroupNorm;
import dev.seedj.core.nn.SeedBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * The VAE decoder (CompVis {@code model.Decoder}, diffusers {@code Decoder}): {@code conv_in}; middle ResnetBlock,
 * attention, ResnetBlock; levels from the deepest up, each N + 1 ResnetBlocks (+ attention where configured) and a
 * 2x upsampling except at level 0; GroupNorm, SiLU, {@code conv_out}. CompVis names a level by its index
 * ({@code up.<level>}), diffusers by its position from the deepest ({@code up_blocks.<deepest - level>}).
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
final class VaeDecoder extends SeedBlock {
    private static final float EPS = 1e-6f;
    private static final int GROUPS = 32;

    /** One layer of the up path with the names it is recorded under. */
    private record Step(String stage, SeedBlock block, String levelStage) {}

    private final boolean compVis;
    private final Conv2d convIn;
    private final ResBlock mid1;
    private final VaeAttention midAttn;
    private final ResBlock mid2;
    private final List<Step> steps = new ArrayList<>();
    private final GroupNorm normOut;
    private final Conv2d convOut;

    /**
     * @param config the VAE's shape
     * @param layout key layout
     * @param attentionNames the attention blocks' names (diffusers has two generations)
     */
    VaeDecoder(VaeConfig config, CheckpointLayout layout, VaeAttention.Names attentionNames) {
        this.compVis = layout == CheckpointLayout.COMPVIS;
        ResBlock.Names res = compVis ? ResBlock.Names.COMPVIS_VAE : ResBlock.Names.DIFFUSERS;
        int top = config.levels() - 1;
        long ch = config.channels(top);
        this.convIn = declareChild("conv_in", Conv2d.same(config.latentChannels(), ch, 3));
        this.mid1 = declareChild(compVis ? "mid.block_1" : "mid_block.resnets.0", new ResBlock(res, ch, ch, 0, EPS));
        this.midAttn = declareChild(compVis ? "mid.attn_1" : "mid_block.attentions.0",
                new VaeAttention(attentionNames, ch));
        this.mid2 = declareChild(compVis ? "mid.block_2" : "mid_block.resnets.1", new ResBlock(res, ch, ch, 0, EPS));
        for (int level = top; level >= 0; level--) {
            String prefix = compVis ? "up." + level : "up_blocks." + (top - level);
            long out = config.channels(level);
            for (int j = 0; j <= config.numResBlocks(); j++) {
                String name = prefix + (compVis ? ".block." : ".resnets.") + j;
                boolean levelEnd = j == config.numResBlocks() && level == 0;
                steps.add(new Step(name, declareChild(name, new ResBlock(res, ch, out, 0, EPS)),
                        levelEnd ? prefix : null));
                ch = out;
                if (config.attention().get(level)) {
                    String attn = prefix + (compVis ? ".attn." : ".attentions.") + j;
                    steps.add(new Step(attn, declareChild(attn, new VaeAttention(attentionNames, ch)), null));
                }
            }
            if (level != 0) {
                String name = prefix + (compVis ? ".upsample" : ".upsamplers.0");
                steps.add(new Step(name, declareChild(name, new Upsample2x(ch, true)), prefix));
            }
        }
        this.normOut = declareChild(compVis ? "norm_out" : "conv_norm_out", new GroupNorm(GROUPS, ch, EPS));
        this.convOut = declareChild("conv_out", Conv2d.same(ch, config.imageChannels(), 3));
    }

    /**
     * @param z [B, latent, h, w] (after {@code post_quant_conv})
     * @param recorder receives every block's output under its name, the level outputs ({@code up_blocks.<u>},
     *     {@code mid_block}) in the diffusers layout, and the norm before {@code conv_out}
     * @return [B, imageChannels, h * 2^(levels-1), w * 2^(levels-1)], in {@code z}'s manager
     */
    NDArray forward(NDArray z, ActivationRecorder recorder) {
        NDArray h = convIn.forward(z);
        recorder.record("conv_in", h);
        h = Scopes.consume(h, in -> mid1.forward(in, null, ActivationRecorder.NONE));
        recorder.record(compVis ? "mid.block_1" : "mid_block.resnets.0", h);
        h = Scopes.consume(h, midAttn::forward);
        recorder.record(compVis ? "mid.attn_1" : "mid_block.attentions.0", h);
        h = Scopes.consume(h, in -> mid2.forward(in, null, ActivationRecorder.NONE));
        recorder.record(compVis ? "mid.block_2" : "mid_block", h);
        for (Step step : steps) {
            h = Scopes.consume(h, in -> apply(step.block, in));
            recorder.record(step.stage, h);
            if (!compVis && step.levelStage != null) {
                recorder.record(step.levelStage, h);
            }
        }
        NDArray normed = normOut.forward(h);
        h.close();
        recorder.record(compVis ? "norm_out" : "conv_norm_out", normed);
        NDArray out = Scopes.consume(normed, in -> convOut.forward(Silu.consume(in)));
        return out;
    }

    static NDArray apply(SeedBlock block, NDArray in) {
        if (block instanceof ResBlock res) {
            return res.forward(in, null, ActivationRecorder.NONE);
        }
        if (block instanceof VaeAttention attention) {
            return attention.forward(in);
        }
        if (block instanceof Downsample2x downsample) {
            return downsample.forward(in);
        }
        return ((Upsample2x) block).forward(in);
    }
}
