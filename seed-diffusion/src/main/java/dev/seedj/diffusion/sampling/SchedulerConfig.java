package dev.seedj.diffusion.sampling;

import dev.seedj.core.config.ConfigException;
import dev.seedj.core.config.ConfigValue;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;

/**
 * Everything a sampler needs besides the denoiser: the noise schedule, what the model predicts, and the diffusers
 * scheduler settings ({@code timestep_spacing}, {@code steps_offset}, {@code set_alpha_to_one}) that
 * {@link Sampler#PNDM} and {@link Sampler#DPMPP_2M} use. The CompVis samplers ({@link Sampler#PLMS},
 * {@link Sampler#DDIM}) read only the schedule and the prediction type.
 *
 * <p>Immutable and thread-safe.
 *
 * @param schedule the training noise schedule
 * @param predictionType what the denoiser predicts
 * @param timestepSpacing how PNDM / DPM-Solver++ place their timesteps
 * @param stepsOffset added to every PNDM / DPM-Solver++ timestep under {@link TimestepSpacing#LEADING}
 * @param setAlphaToOne whether PNDM's last step goes to {@code alpha_bar = 1} rather than {@code alphas_cumprod[0]}
 */
public record SchedulerConfig(NoiseSchedule schedule, PredictionType predictionType, TimestepSpacing timestepSpacing,
        int stepsOffset, boolean setAlphaToOne) {

    /**
     * Checks the fields.
     *
     * @param schedule the training noise schedule
     * @param predictionType what the denoiser predicts
     * @param timestepSpacing how PNDM / DPM-Solver++ place their timesteps
     * @param stepsOffset added to every leading PNDM / DPM-Solver++ timestep, in [0, T)
     * @param setAlphaToOne whether PNDM's last step goes to {@code alpha_bar = 1}
     */
    public SchedulerConfig {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(predictionType, "predictionType");
        Objects.requireNonNull(timestepSpacing, "timestepSpacing");
        if (stepsOffset < 0 || stepsOffset >= schedule.trainTimesteps()) {
            throw new IllegalArgumentException("steps_offset " + stepsOffset + " is outside [0, "
                    + schedule.trainTimesteps() + ")");
        }
    }

    /**
     * A CompVis model's configuration: its schedule (e.g. the checkpoint's {@code alphas_cumprod} buffer) and
     * parameterization, with the diffusers settings Stable Diffusion's own scheduler configs use for PNDM and
     * DPM-Solver++ ({@code leading}, {@code steps_offset 1}, {@code set_alpha_to_one false}).
     *
     * @param schedule the training noise schedule
     * @param predictionType {@code eps} (SD v1, SD 2 base) or {@code v} (SD 2 768-v)
     * @return the configuration
     */
    public static SchedulerConfig compVis(NoiseSchedule schedule, PredictionType predictionType) {
        return new SchedulerConfig(schedule, predictionType, TimestepSpacing.LEADING, 1, false);
    }

    /**
     * Reads a diffusers {@code scheduler_config.json} (PNDM, DDIM, DDPM, DPM-Solver... as Stable Diffusion folders
     * ship it): {@code num_train_timesteps}, {@code beta_schedule}, {@code beta_start}, {@code beta_end},
     * {@code trained_betas}, {@code prediction_type} (default epsilon), {@code timestep_spacing} (default leading),
     * {@code steps_offset} (default 0), {@code set_alpha_to_one} (default false).
     *
     * @param json the file
     * @return the configuration
     * @throws ConfigException naming the file and the JSON path if the file is missing, not valid JSON, or a
     *     setting is mistyped or unsupported
     * @throws UncheckedIOException if it cannot be read
     */
    public static SchedulerConfig fromDiffusersJson(Path json) {
        return ConfigValue.readFile(json, o -> {
            int timesteps = o.get("num_train_timesteps").asInt(1000);
            ConfigValue trained = o.get("trained_betas");
            double betaStart = o.get("beta_start").asDouble(0.0001);
            double betaEnd = o.get("beta_end").asDouble(0.02);
            NoiseSchedule schedule = trained.isPresent() ? NoiseSchedule.ofBetas(trained.asFloats())
                    : named(o.get("beta_schedule"), "linear",
                            name -> NoiseSchedule.diffusers(name, betaStart, betaEnd, timesteps));
            return new SchedulerConfig(schedule,
                    named(o.get("prediction_type"), "epsilon", PredictionType::fromName),
                    named(o.get("timestep_spacing"), "leading", TimestepSpacing::fromName),
                    o.get("steps_offset").asInt(0), o.get("set_alpha_to_one").asBoolean(false));
        });
    }

    /** A setting by name, a refused name reported at its JSON path. */
    private static <T> T named(ConfigValue value, String fallback, Function<String, T> byName) {
        try {
            return byName.apply(value.asString(fallback));
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw value.error(e.getMessage());
        }
    }

    /**
     * @param predictionType another prediction type
     * @return this configuration predicting {@code predictionType}
     */
    public SchedulerConfig withPredictionType(PredictionType predictionType) {
        return new SchedulerConfig(schedule, predictionType, timestepSpacing, stepsOffset, setAlphaToOne);
    }
}
