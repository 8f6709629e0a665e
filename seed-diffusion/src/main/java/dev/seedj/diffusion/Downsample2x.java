package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.nn.Conv2d;
import dev.seedj.core.nn.SeedBlock;

/**
 * A 3 x 3 stride-2 convolution that halves the map: padding 1 on every side in the UNet (CompVis {@code op},
 * diffusers {@code conv}); in the VAE encoder no padding after one row and column of zeros are added at the bottom
 * and right ({@code F.pad(x, (0, 1, 0, 1))}).
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
final class Downsample2x extends SeedBlock {
    private final boolean padBottomRight;
    private final Conv2d conv;

    /**
     * @param convName the convolution's state-dict name ({@code op} or {@code conv})
     * @param channels input and output channels
     * @param padBottomRight the VAE's asymmetric padding instead of padding 1
     */
    Downsample2x(String convName, long channels, boolean padBottomRight) {
        this.padBottomRight = padBottomRight;
        this.conv = declareChild(convName, new Conv2d(channels, channels, 3, 2, padBottomRight ? 0 : 1, true));
    }

    /**
     * @param x [B, C, H, W], H and W even
     * @return [B, C, H / 2, W / 2]
     */
    NDArray forward(NDArray x) {
        if (!padBottomRight) {
            return conv.forward(x);
        }
        NDArray padded = x.pad(new Shape(0, 1, 0, 1), 0); // last dim (W) by (0, 1), then H by (0, 1)
        NDArray out = conv.forward(padded);
        padded.close();
        return out;
    }
}
