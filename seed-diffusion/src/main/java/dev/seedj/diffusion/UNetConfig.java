package dev.seedj.diffusion;

import java.util.List;

/**
 * The shape of a Stable Diffusion UNet, read from a CompVis {@code unet_config} or a diffusers
 * {@code unet/config.json}. Lists run over the resolution levels, highest resolution first; the middle block uses
 * the last level's heads.
 *
 * <p>Immutable and thread-safe.
 *
 * @param inChannels latent channels in
 * @param outChannels channels out (eps or v)
 * @param modelChannels channels of level 0 ({@code model_channels}, {@code block_out_channels[0]})
 * @param channelMult channels of each level as multiples of {@code modelChannels}
 * @param numResBlocks ResBlocks per level on the way down (one more on the way up)
 * @param attention whether each level has a SpatialTransformer after each ResBlock
 * @param heads attention heads at each level
 * @param dimHead width of a head at each level
 * @param transformerDepth transformer blocks per SpatialTransformer
 * @param contextDim width of the cross-attention context
 * @param linearProjection linear {@code proj_in}/{@code proj_out} instead of 1 x 1 convolutions
 * @param classEmbedInputDim width of the class labels projected into the timestep embedding, 0 for none
 */
public record UNetConfig(int inChannels, int outChannels, int modelChannels, List<Integer> channelMult,
        int numResBlocks, List<Boolean> attention, List<Integer> heads, List<Integer> dimHead, int transformerDepth,
        long contextDim, boolean linearProjection, long classEmbedInputDim) {

    /**
     * Copies the lists and checks that they describe the same number of levels.
     *
     * @param inChannels latent channels in
     * @param outChannels channels out
     * @param modelChannels channels of level 0
     * @param channelMult channel multiples per level
     * @param numResBlocks ResBlocks per level
     * @param attention attention per level
     * @param heads heads per level
     * @param dimHead head width per level
     * @param transformerDepth transformer blocks per SpatialTransformer
     * @param contextDim context width
     * @param linearProjection linear projections
     * @param classEmbedInputDim class-label width, 0 for none
     */
    public UNetConfig {
        channelMult = List.copyOf(channelMult);
        attention = List.copyOf(attention);
        heads = List.copyOf(heads);
        dimHead = List.copyOf(dimHead);
        int levels = channelMult.size();
        if (levels == 0 || attention.size() != levels || heads.size() != levels || dimHead.size() != levels) {
            throw new IllegalArgumentException("UNet config: channel_mult, attention, heads and head widths must have"
                    + " one entry per level; got " + channelMult + ", " + attention + ", " + heads + ", " + dimHead);
        }
        if (modelChannels <= 0 || modelChannels % 2 != 0 || numResBlocks < 1 || transformerDepth < 1
                || contextDim < 1 || inChannels < 1 || outChannels < 1 || classEmbedInputDim < 0) {
            throw new IllegalArgumentException("UNet config has a non-positive or odd size: model_channels "
                    + modelChannels + ", res blocks " + numResBlocks + ", depth " + transformerDepth
                    + ", context " + contextDim);
        }
    }

    /** @return the number of resolution levels */
    public int levels() {
        return channelMult.size();
    }

    /** @return channels at {@code level} */
    long channels(int level) {
        return (long) modelChannels * channelMult.get(level);
    }

    /** @return width of the timestep embedding the ResBlocks read (4 x model channels) */
    public long timeEmbedDim() {
        return 4L * modelChannels;
    }

    /** @return how much smaller the deepest level is than the latent: latent sides must be multiples of it */
    public int downscale() {
        return 1 << (levels() - 1);
    }
}
