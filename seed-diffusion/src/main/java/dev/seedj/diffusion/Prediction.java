package dev.seedj.diffusion;

/**
 * What a Stable Diffusion UNet predicts (CompVis {@code parameterization}, diffusers {@code prediction_type}).
 *
 * <p>Immutable and thread-safe.
 */
public enum Prediction {
    /** The added noise (CompVis {@code eps}, diffusers {@code epsilon}): SD 1.x, SD 2.x base 512. */
    EPSILON,
    /** The velocity {@code sqrt(a) eps - sqrt(1 - a) x0} (CompVis {@code v}, diffusers {@code v_prediction}): SD 2.x 768, SD 2.1 unCLIP. */
    V_PREDICTION,
    /** The clean sample (diffusers {@code sample}). */
    SAMPLE;

    /**
     * @param name a CompVis {@code parameterization} or diffusers {@code prediction_type} value
     * @return the prediction
     * @throws IllegalArgumentException for any other value
     */
    public static Prediction fromName(String name) {
        return switch (name) {
            case "eps", "epsilon" -> EPSILON;
            case "v", "v_prediction" -> V_PREDICTION;
            case "x0", "sample" -> SAMPLE;
            default -> throw new IllegalArgumentException("unknown prediction type '" + name
                    + "' (expected eps/epsilon, v/v_prediction or x0/sample)");
        };
    }
}
