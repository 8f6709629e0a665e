package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.Conv2d;
import dev.seedj.core.nn.TorchAutograd;

/**
 * Steps that consume an intermediate the calling block created and reads no more, so that a block holds one or two
 * activations at a time instead of all of its intermediates until its scope closes (at 512 x 512 the VAE's level-0
 * activations are 128 MB each). Following the memory rule, only arrays the caller created are passed here; inputs
 * and parameters never are.
 *
 * <p>In-place updates are used only while autograd does not record (a recorded graph may still need the old
 * values); the results are the same either way.
 *
 * <p>Stateless and thread-safe.
 */
final class OwnedArrays {
    private OwnedArrays() {}

    /** @return whether consumed arrays may be overwritten (autograd is not recording in this thread) */
    static boolean inPlaceAllowed() {
        return !TorchAutograd.isRecording();
    }

    /**
     * @param owned an intermediate; consumed
     * @param other added (broadcast to {@code owned}'s shape); left open
     * @return {@code owned + other}, in {@code owned}'s manager
     */
    static NDArray add(NDArray owned, NDArray other) {
        if (inPlaceAllowed()) {
            return owned.addi(other);
        }
        NDArray sum = owned.add(other);
        owned.close();
        return sum;
    }

    /**
     * @param owned an intermediate; consumed
     * @param other multiplies it (broadcast to {@code owned}'s shape); left open
     * @return {@code owned * other}, in {@code owned}'s manager
     */
    static NDArray mul(NDArray owned, NDArray other) {
        if (inPlaceAllowed()) {
            return owned.muli(other);
        }
        NDArray product = owned.mul(other);
        owned.close();
        return product;
    }

    /**
     * @param conv a convolution
     * @param owned its input, an intermediate; closed once the convolution has read it
     * @return {@code conv(owned)}
     */
    static NDArray conv(Conv2d conv, NDArray owned) {
        NDArray out = conv.forward(owned);
        owned.close();
        return out;
    }
}
