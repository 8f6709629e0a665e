package dev.seedj.examples.mini;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.initializer.NormalInitializer;
import dev.seedj.core.nn.ParameterInit;
import dev.seedj.core.nn.SeedBlock;

/**
 * A 2-d convolution laid out as PyTorch's {@code nn.Conv2d} with a square kernel, stride 1 and "same" padding:
 * {@code weight [out, in, k, k]}, {@code bias [out]}. Weights start He-normal ({@code std = sqrt(2 / (in k k))}),
 * as suits the ReLU that follows it in {@link PixelDecoder}.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class Conv2dLayer extends SeedBlock {
    private final int kernel;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * @param in input channels
     * @param out output channels
     * @param kernel kernel side, odd
     */
    public Conv2dLayer(int in, int out, int kernel) {
        if (kernel % 2 != 1) {
            throw new IllegalArgumentException("the kernel side must be odd for same padding, got " + kernel);
        }
        this.kernel = kernel;
        float std = (float) Math.sqrt(2.0 / (in * kernel * kernel));
        this.weight = declareParameter("weight", new Shape(out, in, kernel, kernel), new NormalInitializer(std));
        this.bias = declareParameter("bias", new Shape(out), ParameterInit.ZEROS);
    }

    /**
     * @param x [B, in, H, W]
     * @return [B, out, H, W]
     */
    public NDArray forward(NDArray x) {
        int pad = kernel / 2;
        return Conv2d.conv2d(x, weight.getArray(), bias.getArray(), new Shape(1, 1), new Shape(pad, pad))
                .singletonOrThrow();
    }
}
