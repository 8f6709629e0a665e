package dev.seedj.diffusion;

import java.util.List;

/**
 * The shape of Stable Diffusion's {@code AutoencoderKL}, read from a CompVis {@code first_stage_config} or a
 * diffusers {@code vae/config.json}. Lists run over the resolution levels, highest resolution first.
 *
 * <p>Immutable and thread-safe.
 *
 * @param imageChannels channels of the picture (3)
 * @param baseChannels channels of level 0 ({@code ch}, {@code block_out_channels[0]})
 * @param channelMult channels of each level as multiples of {@code baseChannels}
 * @param numResBlocks ResnetBlocks per encoder level (the decoder has one more)
 * @param attention whether each level has attention after each ResnetBlock (the middle always has one)
 * @param latentChannels channels of the latent the decoder reads ({@code z_channels}, {@code latent_channels})
 * @param embedDim channels between {@code quant_conv} and {@code post_quant_conv} ({@code embed_dim})
 * @param scaleFactor latents are divided by it before decoding ({@code scale_factor}, {@code scaling_factor})
 */
public record VaeConfig(int imageChannels, int baseChannels, List<Integer> channelMult, int numResBlocks,
        List<Boolean> attention, int latentChannels, int embedDim, float scaleFactor) {

    /**
     * Copies the lists and checks the sizes.
     *
     * @param imageChannels picture channels
     * @param baseChannels channels of level 0
     * @param channelMult channel multiples per level
     * @param numResBlocks ResnetBlocks per encoder level
     * @param attention attention per level
     * @param latentChannels latent channels
     * @param embedDim quantisation channels
     * @param scaleFactor latent scale factor
     */
    public VaeConfig {
        channelMult = List.copyOf(channelMult);
        attention = List.copyOf(attention);
        if (channelMult.isEmpty() || attention.size() != channelMult.size()) {
            throw new IllegalArgumentException("VAE config: ch_mult and attention need one entry per level, got "
                    + channelMult + " and " + attention);
        }
        if (imageChannels < 1 || baseChannels < 1 || numResBlocks < 1 || latentChannels < 1 || embedDim < 1
                || !(scaleFactor > 0)) {
            throw new IllegalArgumentException("VAE config has a non-positive size or scale factor");
        }
    }

    /** @return the number of resolution levels */
    public int levels() {
        return channelMult.size();
    }

    long channels(int level) {
        return (long) baseChannels * channelMult.get(level);
    }

    /** @return how much smaller the latent is than the picture (8 for Stable Diffusion) */
    public int downscale() {
        return 1 << (levels() - 1);
    }
}
