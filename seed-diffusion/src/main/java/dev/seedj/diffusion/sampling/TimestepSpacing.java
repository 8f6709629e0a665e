package dev.seedj.diffusion.sampling;

/**
 * How diffusers schedulers spread the inference timesteps over the training timesteps (their
 * {@code timestep_spacing}); used by {@link Sampler#PNDM} and {@link Sampler#DPMPP_2M}. The CompVis samplers
 * always use {@code make_ddim_timesteps}' uniform spacing.
 *
 * <p>Immutable and thread-safe.
 */
public enum TimestepSpacing {
    /** {@code arange(n) * (T // n) + steps_offset} (the Stable Diffusion scheduler configs). */
    LEADING,
    /** {@code linspace(0, T - 1, n)}, rounded. */
    LINSPACE,
    /** {@code round(arange(T, 0, -T / n)) - 1}. */
    TRAILING;

    /**
     * @param name a diffusers {@code timestep_spacing}
     * @return the spacing
     * @throws IllegalArgumentException for any other name
     */
    public static TimestepSpacing fromName(String name) {
        return switch (name) {
            case "leading" -> LEADING;
            case "linspace" -> LINSPACE;
            case "trailing" -> TRAILING;
            default -> throw new IllegalArgumentException("unsupported timestep_spacing '" + name
                    + "' (expected leading, linspace or trailing)");
        };
    }
}
