package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.weights.LibtorchOps;
import java.util.Arrays;

/**
 * Group normalisation laid out as PyTorch's {@code nn.GroupNorm}: the channels of {@code [B, C, ...]} are split
 * into {@code groups} contiguous groups, each normalised over its channels and all positions (biased variance),
 * then scaled and shifted per channel by {@code weight [C]} and {@code bias [C]}.
 *
 * <p>Float32 runs libtorch's fused {@code group_norm} (through {@link LibtorchOps}, where available): one kernel for
 * the statistics and the affine output instead of a layer norm and two full-size passes.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class GroupNorm extends SeedBlock {
    private final int groups;
    private final long channels;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * @param groups number of groups; must divide {@code channels}
     * @param channels C
     * @param eps added to the variance
     */
    public GroupNorm(int groups, long channels, float eps) {
        if (groups <= 0 || channels % groups != 0) {
            throw new IllegalArgumentException(channels + " channels cannot be split into " + groups + " groups");
        }
        this.groups = groups;
        this.channels = channels;
        this.eps = eps;
        this.weight = declareParameter("weight", new Shape(channels), ParameterInit.ONES);
        this.bias = declareParameter("bias", new Shape(channels), ParameterInit.ZEROS);
    }

    /**
     * @param x [B, C, ...] (at least 2 dimensions)
     * @return [B, C, ...]
     */
    public NDArray forward(NDArray x) {
        Shape shape = x.getShape();
        if (shape.dimension() < 2 || shape.get(1) != channels) {
            throw new IllegalArgumentException("GroupNorm over " + channels + " channels got an input of shape " + shape);
        }
        NDArray gamma = weight.getArray();
        NDArray beta = bias.getArray();
        if (LibtorchOps.available() && shape.get(0) > 0 && x.getDataType() == DataType.FLOAT32
                && gamma.getDataType() == DataType.FLOAT32 && beta.getDataType() == DataType.FLOAT32) {
            return LibtorchOps.groupNorm(x, groups, gamma, beta, eps); // one pass for statistics, one for the output
        }
        long perGroup = shape.size() / (shape.get(0) * groups); // channels of a group x positions
        NDArray grouped = x.reshape(shape.get(0), groups, perGroup); // [B, G, C/G * positions]
        // layer_norm over each group's elements is group_norm without the affine part (one fused kernel)
        NDArray ones = x.getManager().ones(new Shape(perGroup), x.getDataType());
        NDArray zeros = x.getManager().zeros(new Shape(perGroup), x.getDataType());
        NDArray normed = ai.djl.nn.norm.LayerNorm.layerNorm(grouped, new Shape(perGroup), ones, zeros, eps)
                .singletonOrThrow().reshape(shape);
        ones.close();
        zeros.close();
        long[] affine = new long[shape.dimension() - 1]; // [C, 1, 1, ...]
        Arrays.fill(affine, 1);
        affine[0] = channels;
        NDArray gain = ArrayScopes.adopt(gamma.reshape(affine), x);
        NDArray shift = ArrayScopes.adopt(beta.reshape(affine), x);
        NDArray scaled = normed.mul(gain);
        NDArray out = scaled.add(shift);
        for (NDArray temporary : new NDArray[] {normed, gain, shift, scaled}) {
            temporary.close();
        }
        return out;
    }

    /** @return the epsilon */
    public float eps() {
        return eps;
    }

    /** @return the number of groups */
    public int groups() {
        return groups;
    }
}
