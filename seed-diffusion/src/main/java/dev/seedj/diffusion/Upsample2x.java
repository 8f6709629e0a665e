package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.nn.Conv2d;
import dev.seedj.core.nn.SeedBlock;

/**
 * Nearest-neighbour 2x upsampling followed by a 3 x 3 convolution ({@code conv}), as {@code F.interpolate(x,
 * scale_factor=2, mode="nearest")} then the conv in both the UNet and the VAE.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
final class Upsample2x extends SeedBlock {
    private final Conv2d conv;

    /** @param channels input and output channels */
    Upsample2x(long channels) {
        this.conv = declareChild("conv", Conv2d.same(channels, channels, 3));
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
        NDArray repeated = x.reshape(b, c, h, 1, w, 1).broadcast(b, c, h, 2, w, 2).reshape(b, c, 2 * h, 2 * w);
        NDArray out = conv.forward(repeated);
        repeated.close(); // the 4x copy
        return out;
    }
}
