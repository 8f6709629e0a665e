package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * One of the two places that call DJL's engine-internal PyTorch JNI ({@code ai.djl.pytorch.jni.JniUtils}), the
 * other being {@link DecodeThreads} (libtorch's thread count on the calling thread). DJL's
 * engine-neutral API cannot ask whether autograd is recording on this thread (a {@code GradientCollector}
 * switches PyTorch's grad mode without exposing it), cannot switch it off for an update
 * ({@code torch.no_grad()}), and reports a gradient that was never produced as zeros instead of PyTorch's
 * {@code None}. {@link ArrayScopes} and {@code dev.seedj.core.train.Gradients} need exactly these four
 * operations.
 *
 * <p>Stateless and thread-safe; PyTorch's grad mode is per thread.
 */
public final class TorchAutograd {
    private TorchAutograd() {}

    /** @return true while autograd records on this thread (inside a {@code GradientCollector}) */
    public static boolean isRecording() {
        return JniUtils.isGradMode();
    }

    /**
     * Switches autograd recording on this thread.
     *
     * @param recording the new mode
     */
    public static void setRecording(boolean recording) {
        JniUtils.setGradMode(recording);
    }

    /**
     * @param array a PyTorch array that requires a gradient
     * @return a new handle onto its accumulated gradient, or null if none was produced yet
     */
    public static NDArray gradient(PtNDArray array) {
        return JniUtils.getGradient(array);
    }

    /**
     * Zeroes an accumulated gradient in place; an absent gradient stays absent.
     *
     * @param array a PyTorch array
     */
    public static void zeroGradient(PtNDArray array) {
        JniUtils.zeroGrad(array);
    }
}
