package dev.seedj.diffusion;

/**
 * The training noise schedule a CompVis inference YAML gives ({@code model.params}): with {@code linear},
 * {@code betas = linspace(sqrt(linearStart), sqrt(linearEnd), timesteps)^2}, as the CompVis samplers use it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param linearStart {@code linear_start}
 * @param linearEnd {@code linear_end}
 * @param timesteps {@code timesteps} (training steps, 1000)
 * @param betaSchedule {@code beta_schedule} ({@code linear} unless the YAML says otherwise)
 */
public record CompVisSchedule(double linearStart, double linearEnd, int timesteps, String betaSchedule) {}
