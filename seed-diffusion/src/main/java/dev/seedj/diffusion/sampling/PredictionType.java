package dev.seedj.diffusion.sampling;

/**
 * What the denoiser predicts: the noise (SD v1, CompVis {@code parameterization: eps}) or the velocity
 * {@code v = sqrt(alpha_bar) * eps - sqrt(1 - alpha_bar) * x0} (SD 2.x 768 models and SD 2.1 unCLIP).
 *
 * <p>Immutable and thread-safe.
 */
public enum PredictionType {
    /** The model predicts the added noise. */
    EPSILON,
    /** The model predicts the velocity. */
    V_PREDICTION;

    /**
     * @param name a diffusers {@code prediction_type} ({@code epsilon}, {@code v_prediction}) or a CompVis
     *     {@code parameterization} ({@code eps}, {@code v})
     * @return the type
     * @throws IllegalArgumentException for any other name
     */
    public static PredictionType fromName(String name) {
        return switch (name) {
            case "epsilon", "eps" -> EPSILON;
            case "v_prediction", "v" -> V_PREDICTION;
            default -> throw new IllegalArgumentException("unsupported prediction type '" + name
                    + "' (expected epsilon/eps or v_prediction/v)");
        };
    }
}
