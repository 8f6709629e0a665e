package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;

/**
 * A 2-d convolution laid out as PyTorch's {@code nn.Conv2d} with a square kernel, a symmetric zero padding and
 * one stride: {@code weight [out, in, k, k]}, {@code bias [out]} (optional).
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class Conv2d extends SeedBlock {
    private final int kernel;
    private final int stride;
    private final int padding;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * @param in input channels
     * @param out output channels
     * @param kernel kernel side
     * @param stride step in both directions
     * @param padding zeros added on every side
     * @param withBias whether the layer has a bias
     */
    public Conv2d(long in, long out, int kernel, int stride, int padding, boolean withBias) {
        this(in, out, kernel, stride, padding, withBias, ParameterInit.WEIGHT);
    }

    /**
     * A convolution with a bias whose weight starts from a given initializer when trained from scratch.
     *
     * @param in input channels
     * @param out output channels
     * @param kernel kernel side
     * @param stride step in both directions
     * @param padding zeros added on every side
     * @param weightInit how {@link #initializeParameters} fills the weight (the bias starts at zero)
     */
    public Conv2d(long in, long out, int kernel, int stride, int padding, Initializer weightInit) {
        this(in, out, kernel, stride, padding, true, weightInit);
    }

    private Conv2d(long in, long out, int kernel, int stride, int padding, boolean withBias, Initializer weightInit) {
        if (kernel < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException(
                    "bad convolution geometry: kernel " + kernel + ", stride " + stride + ", padding " + padding);
        }
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.weight = declareParameter("weight", new Shape(out, in, kernel, kernel), weightInit);
        this.bias = withBias ? declareParameter("bias", new Shape(out), ParameterInit.ZEROS) : null;
    }

    /**
     * A stride-1 convolution with "same" padding ({@code kernel / 2}, kernel odd) and a bias, the commonest kind.
     *
     * @param in input channels
     * @param out output channels
     * @param kernel kernel side, odd
     * @return the layer
     */
    public static Conv2d same(long in, long out, int kernel) {
        if (kernel % 2 != 1) {
            throw new IllegalArgumentException("the kernel side must be odd for same padding, got " + kernel);
        }
        return new Conv2d(in, out, kernel, 1, kernel / 2, true);
    }

    /**
     * @param x [B, in, H, W]
     * @return [B, out, (H + 2 pad - k) / stride + 1, (W + 2 pad - k) / stride + 1]
     */
    public NDArray forward(NDArray x) {
        Shape strides = new Shape(stride, stride);
        Shape pads = new Shape(padding, padding);
        Shape dilation = new Shape(1, 1);
        return bias == null
                ? ai.djl.nn.convolutional.Conv2d.conv2d(x, weight.getArray(), null, strides, pads, dilation, 1)
                        .singletonOrThrow()
                : ai.djl.nn.convolutional.Conv2d.conv2d(x, weight.getArray(), bias.getArray(), strides, pads, dilation, 1)
                        .singletonOrThrow();
    }

    /** @return the weight parameter, [out, in, k, k] */
    public Parameter weight() {
        return weight;
    }

    /** @return the bias parameter, [out], or null when the layer has none */
    public Parameter bias() {
        return bias;
    }

    /** @return the kernel side */
    public int kernel() {
        return kernel;
    }
}
