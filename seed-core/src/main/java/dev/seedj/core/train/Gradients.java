package dev.seedj.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import dev.seedj.core.nn.TorchAutograd;
import java.util.function.Supplier;

/**
 * Access to the autograd gradients of trainable arrays with PyTorch's exact semantics, which DJL's engine-neutral
 * API does not expose: a gradient that was never produced is absent ({@code .grad is None}; DJL's
 * {@code getGradient()} would invent zeros instead), gradients accumulate over {@code backward} calls until
 * zeroed in place ({@code zero_grad(set_to_none=False)}), and parameter updates run with autograd off
 * ({@code torch.no_grad()}; PyTorch's grad mode is per thread and on by default in threads the engine did not
 * set up).
 *
 * <p>SEED-J runs on DJL's PyTorch engine only; arrays of any other engine are rejected with a clear message.
 *
 * <p>Stateless and thread-safe; the grad-mode switch of {@link #withoutGrad} affects the calling thread only.
 */
public final class Gradients {
    private Gradients() {}

    /**
     * The gradient PyTorch accumulated for {@code array}, as a new handle onto the same storage (in-place
     * changes to it change the gradient). The handle is registered with {@code array}'s manager: close it after
     * use so that long runs do not accumulate handles.
     *
     * @param array a trainable array ({@code setRequiresGradient(true)})
     * @return the gradient, or null if no backward pass has reached the array yet
     * @throws IllegalArgumentException if the array does not require a gradient or is not a PyTorch array
     */
    public static NDArray gradientOf(NDArray array) {
        PtNDArray pt = pytorch(array);
        if (!pt.hasGradient()) {
            throw new IllegalArgumentException("array " + describe(array)
                    + " does not require a gradient; call setRequiresGradient(true) before the forward pass");
        }
        return TorchAutograd.gradient(pt);
    }

    /**
     * Zeroes the accumulated gradient of {@code array} in place; an absent gradient stays absent.
     *
     * @param array a trainable array
     */
    public static void zero(NDArray array) {
        TorchAutograd.zeroGradient(pytorch(array));
    }

    /**
     * Runs {@code action} with autograd recording off on this thread, restoring the previous mode after.
     *
     * @param action the computation (typically in-place parameter updates)
     * @param <T> its result type
     * @return what {@code action} returned
     */
    public static <T> T withoutGrad(Supplier<T> action) {
        boolean previous = TorchAutograd.isRecording();
        TorchAutograd.setRecording(false);
        try {
            return action.get();
        } finally {
            TorchAutograd.setRecording(previous);
        }
    }

    private static PtNDArray pytorch(NDArray array) {
        if (array instanceof PtNDArray pt) {
            return pt;
        }
        throw new IllegalArgumentException("array " + describe(array) + " belongs to engine "
                + array.getManager().getEngine().getEngineName() + "; SEED-J trains on the PyTorch engine only");
    }

    private static String describe(NDArray array) {
        String name = array.getName();
        return (name == null ? "" : "'" + name + "' ") + array.getShape();
    }
}
