package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.weights.LibtorchOps;

/**
 * The steps of a reduced-precision forward pass: the matrix product of a bfloat16 weight with a float32 input (the
 * input rounded to bfloat16 for the product, the result and the bias float32), and the steps of an all-bfloat16
 * forward pass that need float32 (the reference precision of layer norms and softmax) or that
 * DJL 0.36 cannot run on a bfloat16 array without aborting the JVM ({@code softmax} and {@code duplicate} pass the
 * array's own type back to native code, which DJL cannot map: see {@link LibtorchOps}).
 *
 * <p>Stateless and thread-safe.
 */
final class ReducedPrecision {
    private ReducedPrecision() {}

    /**
     * {@code x W^T + b} with a bfloat16 {@code W}. A float32 {@code x} is rounded to bfloat16 for the product (which
     * libtorch accumulates in float32), and the result is float32 with the bias added in float32: only the product
     * reads bfloat16, so residual streams, norms and attention around the layer keep float32. A bfloat16 {@code x}
     * gives a bfloat16 result (an all-bfloat16 forward pass).
     *
     * @param x [..., in], float32 or bfloat16
     * @param weight bfloat16 [out, in]
     * @param bias [out], float32 or bfloat16, or null
     * @return [..., out], in {@code x}'s type
     */
    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        if (LibtorchOps.isBfloat16(x)) {
            NDArray b = bias == null || LibtorchOps.isBfloat16(bias) ? bias : ArrayScopes.adopt(
                    LibtorchOps.toBfloat16(bias), x);
            NDArray y = b == null ? ai.djl.nn.core.Linear.linear(x, weight).singletonOrThrow()
                    : ai.djl.nn.core.Linear.linear(x, weight, b).singletonOrThrow();
            if (b != bias) {
                b.close();
            }
            return y;
        }
        NDArray x16 = LibtorchOps.toBfloat16(x); // [..., in]
        NDArray y16 = ai.djl.nn.core.Linear.linear(x16, weight).singletonOrThrow(); // [..., out] bfloat16
        x16.close();
        NDArray y;
        if (bias == null) {
            y = y16.toType(DataType.FLOAT32, false);
        } else {
            NDArray b32 = float32(bias, x);
            y = y16.add(b32); // bfloat16 + float32 [out]: float32
            if (b32 != bias) {
                b32.close();
            }
        }
        y16.close();
        return y;
    }

    /**
     * @param x bfloat16 [..., dim]
     * @param shape the normalised shape
     * @param weight gain, float32 or bfloat16
     * @param bias shift, float32 or bfloat16
     * @param eps added to the variance
     * @return bfloat16 [..., dim], normalised in float32
     */
    static NDArray layerNormInFloat32(NDArray x, Shape shape, NDArray weight, NDArray bias, float eps) {
        NDArray x32 = x.toType(DataType.FLOAT32, false);
        NDArray w32 = float32(weight, x);
        NDArray b32 = float32(bias, x);
        NDArray y32 = ai.djl.nn.norm.LayerNorm.layerNorm(x32, shape, w32, b32, eps).singletonOrThrow();
        NDArray y = LibtorchOps.toBfloat16(y32);
        for (NDArray temporary : new NDArray[] {x32, y32}) {
            temporary.close();
        }
        if (w32 != weight) {
            w32.close();
        }
        if (b32 != bias) {
            b32.close();
        }
        return y;
    }

    /**
     * The rest of attention after the scores: {@code softmax(scores) v} with the softmax in float32.
     *
     * @param scores [B, H, Tq, Tk], bfloat16, or float32 after a float32 mask was added (consumed)
     * @param v bfloat16 [B, H, Tk, D]
     * @return bfloat16 [B, H, Tq, D]
     */
    static NDArray softmaxInFloat32(NDArray scores, NDArray v) {
        NDArray scores32 = scores.getDataType() == DataType.FLOAT32
                ? scores
                : AttentionMath.replace(scores, scores.toType(DataType.FLOAT32, false));
        NDArray probs32 = AttentionMath.replace(scores32, scores32.softmax(-1));
        NDArray probs = AttentionMath.replace(probs32, LibtorchOps.toBfloat16(probs32));
        return AttentionMath.replace(probs, probs.matMul(v));
    }

    /**
     * A copy-free, independently closable handle on an array computed by libtorch (its memory is reference-counted
     * by libtorch, so it outlives the original handle); {@link NDArray#duplicate()} for other arrays.
     *
     * @param array an activation
     * @return a new handle, in {@code array}'s manager
     */
    static NDArray duplicate(NDArray array) {
        return LibtorchOps.isBfloat16(array) ? array.reshape(array.getShape()) : array.duplicate();
    }

    /**
     * @param like an array (a parameter, possibly bfloat16)
     * @param manager owns the result
     * @return zeros of {@code like}'s shape and type, in {@code manager}
     */
    static NDArray zerosLike(NDArray like, NDManager manager) {
        if (!LibtorchOps.isBfloat16(like)) {
            return manager.zeros(like.getShape(), like.getDataType());
        }
        NDArray zeros = like.mul(manager.create(0f)); // bfloat16 x a float32 scalar stays bfloat16
        zeros.attach(manager);
        return zeros;
    }

    /** A parameter as float32: itself, or a copy in the current call's manager. */
    static NDArray float32(NDArray parameter, NDArray activation) {
        if (parameter.getDataType() == DataType.FLOAT32) {
            return parameter;
        }
        return ArrayScopes.adopt(parameter.toType(DataType.FLOAT32, false), activation);
    }
}
