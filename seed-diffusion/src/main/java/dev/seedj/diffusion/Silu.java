package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import dev.seedj.core.weights.LibtorchOps;

/**
 * The SiLU (swish) non-linearity {@code x * sigmoid(x)} every Stable Diffusion component uses: libtorch's one-pass
 * {@code silu} for float32 where {@link LibtorchOps} is available, else a sigmoid and a product.
 *
 * <p>Stateless and thread-safe.
 */
final class Silu {
    private Silu() {}

    /**
     * @param x any shape
     * @return {@code x * sigmoid(x)}, same shape, in {@code x}'s manager
     */
    static NDArray apply(NDArray x) {
        if (fused(x)) {
            return LibtorchOps.silu(x);
        }
        NDArray gate = Activation.sigmoid(x);
        NDArray out = x.mul(gate);
        gate.close();
        return out;
    }

    /**
     * SiLU of an array the caller created and reads no more: written over it where that is safe (see
     * {@link OwnedArrays}), else computed into a new array and the input closed.
     *
     * @param owned any shape; consumed
     * @return {@code owned * sigmoid(owned)}, in {@code owned}'s manager
     */
    static NDArray consume(NDArray owned) {
        if (fused(owned) && OwnedArrays.inPlaceAllowed()) {
            return LibtorchOps.siluInPlace(owned);
        }
        NDArray out = apply(owned);
        owned.close();
        return out;
    }

    private static boolean fused(NDArray x) {
        return LibtorchOps.available() && x.getDataType() == DataType.FLOAT32;
    }
}
