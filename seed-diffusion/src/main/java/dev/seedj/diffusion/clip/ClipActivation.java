package dev.seedj.diffusion.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * The CLIP text MLP's non-linearity ({@code hidden_act}): OpenAI CLIP's {@code quick_gelu} (CLIP ViT-L/14, the SD v1
 * text encoder) or the exact erf {@code gelu} (OpenCLIP ViT-H/14, the SD 2.x text encoder).
 *
 * <p>Stateless and thread-safe.
 */
public enum ClipActivation {
    /** {@code x * sigmoid(1.702 x)}. */
    QUICK_GELU,
    /** {@code x * 0.5 * (1 + erf(x / sqrt(2)))}. */
    GELU;

    /** OpenAI's sigmoid approximation constant of quick_gelu. */
    private static final float QUICK_GELU_SLOPE = 1.702f;

    /**
     * @param x any shape
     * @return the activation, same shape
     */
    public NDArray apply(NDArray x) {
        return switch (this) {
            case QUICK_GELU -> x.mul(Activation.sigmoid(x.mul(QUICK_GELU_SLOPE)));
            case GELU -> Activation.gelu(x);
        };
    }

    /**
     * @param name a Hugging Face {@code hidden_act}: {@code quick_gelu} or {@code gelu}
     * @return the activation
     * @throws IllegalArgumentException for another name
     */
    public static ClipActivation fromName(String name) {
        return switch (name) {
            case "quick_gelu" -> QUICK_GELU;
            case "gelu" -> GELU;
            default -> throw new IllegalArgumentException("unsupported CLIP hidden_act '" + name
                    + "' (expected quick_gelu or gelu)");
        };
    }
}
