package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.nn.Conv2d;
import dev.seedj.core.nn.SeedBlock;

/**
 * Nearest-neighbour 2x upsampling followed by a 3 x 3 convolution ({@code conv}), as {@code F.interpolate(x,
 * scale_factor=2, mode="nearest")} then the conv in both the UNet and the VAE.
 *
 * <p>In the channels-last variant (the VAE decoder, whose 512 x 512 maps are 128-256 MB each) the 4x copy is written
 * position-major ({@code [B, 2H, 2W, C]} in memory, viewed as {@code [B, C, 2H, 2W]}): libtorch then convolves it,
 * and the level's later layers, without first reordering each input into oneDNN's blocked layout (a second
 * full-size copy). The values are the same; only the memory layout differs.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
final class Upsample2x extends SeedBlock {
    private final Conv2d conv;
    private final boolean channelsLast;

    /**
     * @param channels input and output channels
     * @param channelsLast whether to lay the upsampled map out channels-last (see the class description)
     */
    Upsample2x(long channels, boolean channelsLast) {
        this.conv = declareChild("conv", Conv2d.same(channels, channels, 3));
        this.channelsLast = channelsLast;
    }

    /**
     * @param x [B, C, H, W]
     * @return [B, C, 2H, 2W]
     */
    NDArray forward(NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        NDArray repeated; // [B, C, 2H, 2W], a copy
        if (channelsLast) {
            NDArray positionMajor = x.transpose(0, 2, 3, 1).reshape(b, h, 1, w, 1, c).broadcast(b, h, 2, w, 2, c)
                    .reshape(b, 2 * h, 2 * w, c); // the copy, [B, 2H, 2W, C]
            repeated = positionMajor.transpose(0, 3, 1, 2); // a view; closing both frees the copy
            positionMajor.close();
        } else {
            repeated = x.reshape(b, c, h, 1, w, 1).broadcast(b, c, h, 2, w, 2).reshape(b, c, 2 * h, 2 * w);
        }
        NDArray out = conv.forward(repeated);
        repeated.close(); // the 4x copy
        return out;
    }
}
