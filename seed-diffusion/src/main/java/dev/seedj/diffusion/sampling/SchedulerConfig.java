package dev.seedj.diffusion.sampling;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

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
     * @throws IllegalArgumentException if the file is not valid JSON or names an unsupported setting
     * @throws UncheckedIOException if it cannot be read
     */
    public static SchedulerConfig fromDiffusersJson(Path json) {
        String text;
        try {
            text = Files.readString(json, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read scheduler config " + json, e);
        }
        try {
            JsonObject o = JsonParser.parseString(text).getAsJsonObject();
            int timesteps = intOr(o, "num_train_timesteps", 1000);
            NoiseSchedule schedule;
            JsonElement trained = o.get("trained_betas");
            if (trained != null && !trained.isJsonNull()) {
                JsonArray array = trained.getAsJsonArray();
                float[] betas = new float[array.size()];
                for (int i = 0; i < betas.length; i++) {
                    betas[i] = array.get(i).getAsFloat();
                }
                schedule = NoiseSchedule.ofBetas(betas);
            } else {
                schedule = NoiseSchedule.diffusers(stringOr(o, "beta_schedule", "linear"),
                        doubleOr(o, "beta_start", 0.0001), doubleOr(o, "beta_end", 0.02), timesteps);
            }
            return new SchedulerConfig(schedule,
                    PredictionType.fromName(stringOr(o, "prediction_type", "epsilon")),
                    TimestepSpacing.fromName(stringOr(o, "timestep_spacing", "leading")),
                    intOr(o, "steps_offset", 0),
                    o.has("set_alpha_to_one") && !o.get("set_alpha_to_one").isJsonNull()
                            && o.get("set_alpha_to_one").getAsBoolean());
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw new IllegalArgumentException(json + ": " + e.getMessage(), e);
            }
            throw new IllegalArgumentException(json + ": not a valid scheduler config (" + e + ")", e);
        }
    }

    /**
     * @param predictionType another prediction type
     * @return this configuration predicting {@code predictionType}
     */
    public SchedulerConfig withPredictionType(PredictionType predictionType) {
        return new SchedulerConfig(schedule, predictionType, timestepSpacing, stepsOffset, setAlphaToOne);
    }

    private static String stringOr(JsonObject o, String key, String fallback) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? fallback : e.getAsString();
    }

    private static int intOr(JsonObject o, String key, int fallback) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? fallback : e.getAsInt();
    }

    private static double doubleOr(JsonObject o, String key, double fallback) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? fallback : e.getAsDouble();
    }
}
