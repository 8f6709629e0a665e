package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;

/**
 * A 2-d convolution laid out as PyTorch's {@code nn.Conv2d} with a square kernel: {@code weight [out, in, k, k]},
 * {@code bias [out]}, one stride and one zero padding for both axes. A ViT patch embedding is
 * {@code Conv2d(3, width, patch, patch, 0)}; a "same" convolution is {@code Conv2d(in, out, k, 1, k / 2)}.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class Conv2d extends SeedBlock {
    private final int stride;
    private final int padding;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * @param in input channels
     * @param out output channels
     * @param kernel kernel side
     * @param stride step between kernel positions
     * @param padding zeros added on each side
     * @param weightInit how {@link #initializeParameters} fills the weight (the bias starts at zero)
     */
    public Conv2d(int in, long out, int kernel, int stride, int padding, Initializer weightInit) {
        if (kernel < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException("invalid convolution: kernel " + kernel + ", stride " + stride
                    + ", padding " + padding);
        }
        this.stride = stride;
        this.padding = padding;
        this.weight = declareParameter("weight", new Shape(out, in, kernel, kernel), weightInit);
        this.bias = declareParameter("bias", new Shape(out), ParameterInit.ZEROS);
    }

    /**
     * @param x [B, in, H, W]
     * @return [B, out, (H + 2 pad - k) / stride + 1, (W + 2 pad - k) / stride + 1]
     */
    public NDArray forward(NDArray x) {
        return ai.djl.nn.convolutional.Conv2d.conv2d(x, weight.getArray(), bias.getArray(),
                new Shape(stride, stride), new Shape(padding, padding)).singletonOrThrow();
    }
}
