package dev.seedj.diffusion;

/**
 * How a pipeline turns a decoded value in about [-1, 1] into an 8-bit pixel, computed in float32 as the reference
 * does: CompVis {@code txt2img} truncates {@code 255 * clamp((x + 1) / 2, 0, 1)} ({@code astype(np.uint8)}); the
 * diffusers pipelines round {@code 255 * clamp(x / 2 + 0.5, 0, 1)} half to even ({@code numpy_to_pil}).
 *
 * <p>Immutable and thread-safe.
 */
public enum PixelRounding {
    /** CompVis {@code txt2img}: truncation. */
    TRUNCATE,
    /** diffusers: rounding, ties to even. */
    ROUND;

    /**
     * @param decoded one decoded channel value
     * @return the 8-bit value, 0 to 255
     */
    public int toByte(float decoded) {
        if (this == TRUNCATE) {
            float unit = Math.min(Math.max((decoded + 1f) / 2f, 0f), 1f);
            return (int) (255f * unit);
        }
        float unit = Math.min(Math.max(decoded / 2f + 0.5f, 0f), 1f);
        return (int) Math.rint(unit * 255f);
    }
}
