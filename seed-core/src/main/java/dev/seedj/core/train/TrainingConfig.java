package dev.seedj.core.train;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The model-independent settings of a training run, read from JSON with snake_case keys:
 * <pre>
 * {
 *   "learning_rate": 1e-4,            // required: peak learning rate (LAVIS init_lr)
 *   "min_learning_rate": 1e-5,        // cosine floor (min_lr), default 0
 *   "warmup_learning_rate": 1e-6,     // learning rate at step 0 (warmup_lr), default 0
 *   "warmup_steps": 500,              // default 0
 *   "total_steps": 10000,             // required: optimizer steps
 *   "schedule": "cosine",             // "cosine" (default) or "constant"
 *   "weight_decay": 0.05,             // default 0.05 (biases, norms and 1-d parameters are never decayed)
 *   "betas": [0.9, 0.999],            // default
 *   "eps": 1e-8,                      // default
 *   "batch_size": 8,                  // required: examples per micro-batch
 *   "grad_accumulation": 1,           // micro-batches per optimizer step, default 1
 *   "clip_norm": 1.0,                 // global gradient-norm limit, 0 = no clipping (default)
 *   "checkpoint_every": 1000,         // steps between checkpoints, 0 = only at the end; default 1000
 *   "log_every": 10,                  // steps between log lines, default 10
 *   "output_dir": "runs/stage2",      // required: checkpoints, logs and the loss plot go here
 *   "seed": 42                        // data order and engine randomness, default 42
 * }
 * </pre>
 * Unknown keys are rejected (a misspelt key would otherwise be silently ignored). Every check names the bad
 * field.
 *
 * <p>Immutable and thread-safe.
 *
 * @param learningRate peak learning rate
 * @param minLearningRate cosine floor
 * @param warmupLearningRate learning rate at step 0
 * @param warmupSteps warm-up length
 * @param totalSteps optimizer steps of the run
 * @param schedule the decay after warm-up
 * @param weightDecay AdamW weight decay of the decay group
 * @param beta1 AdamW beta1
 * @param beta2 AdamW beta2
 * @param eps AdamW eps
 * @param batchSize examples per micro-batch
 * @param gradAccumulation micro-batches per optimizer step
 * @param clipNorm global gradient-norm limit, 0 for none
 * @param checkpointEvery steps between checkpoints, 0 for only the final one
 * @param logEvery steps between log lines
 * @param outputDir where checkpoints, logs and plots are written
 * @param seed seed of the data order and the engine's random generator
 */
public record TrainingConfig(double learningRate, double minLearningRate, double warmupLearningRate,
        long warmupSteps, long totalSteps, Schedule schedule, double weightDecay, double beta1, double beta2,
        double eps, int batchSize, int gradAccumulation, double clipNorm, long checkpointEvery, long logEvery,
        Path outputDir, long seed) {

    /** The learning-rate decay after warm-up. */
    public enum Schedule {
        /** {@link WarmupCosineSchedule}. */
        COSINE,
        /** {@link WarmupConstantSchedule}. */
        CONSTANT
    }

    private static final Set<String> KEYS = Set.of("learning_rate", "min_learning_rate", "warmup_learning_rate",
            "warmup_steps", "total_steps", "schedule", "weight_decay", "betas", "eps", "batch_size",
            "grad_accumulation", "clip_norm", "checkpoint_every", "log_every", "output_dir", "seed");

    /**
     * Checks every field, naming the first bad one by its JSON key.
     *
     * @param learningRate peak learning rate
     * @param minLearningRate cosine floor
     * @param warmupLearningRate learning rate at step 0
     * @param warmupSteps warm-up length
     * @param totalSteps optimizer steps of the run
     * @param schedule the decay after warm-up
     * @param weightDecay AdamW weight decay of the decay group
     * @param beta1 AdamW beta1
     * @param beta2 AdamW beta2
     * @param eps AdamW eps
     * @param batchSize examples per micro-batch
     * @param gradAccumulation micro-batches per optimizer step
     * @param clipNorm global gradient-norm limit, 0 for none
     * @param checkpointEvery steps between checkpoints, 0 for only the final one
     * @param logEvery steps between log lines
     * @param outputDir where checkpoints, logs and plots are written
     * @param seed seed of the data order and the engine's random generator
     */
    public TrainingConfig {
        positive("learning_rate", learningRate);
        if (!(minLearningRate >= 0 && minLearningRate <= learningRate)) {
            throw bad("min_learning_rate", "must be in [0, learning_rate = " + learningRate + "], got "
                    + minLearningRate);
        }
        if (!(warmupLearningRate >= 0) || Double.isInfinite(warmupLearningRate)) {
            throw bad("warmup_learning_rate", "must be >= 0, got " + warmupLearningRate);
        }
        if (totalSteps < 1) {
            throw bad("total_steps", "must be >= 1, got " + totalSteps);
        }
        if (warmupSteps < 0 || warmupSteps > totalSteps) {
            throw bad("warmup_steps", "must be in [0, total_steps = " + totalSteps + "], got " + warmupSteps);
        }
        if (schedule == null) {
            throw bad("schedule", "must be \"cosine\" or \"constant\"");
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw bad("weight_decay", "must be >= 0, got " + weightDecay);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw bad("betas", "both must be in [0, 1), got [" + beta1 + ", " + beta2 + "]");
        }
        positive("eps", eps);
        if (batchSize < 1) {
            throw bad("batch_size", "must be >= 1, got " + batchSize);
        }
        if (gradAccumulation < 1) {
            throw bad("grad_accumulation", "must be >= 1, got " + gradAccumulation);
        }
        if (!(clipNorm >= 0) || Double.isInfinite(clipNorm)) {
            throw bad("clip_norm", "must be >= 0 (0 = no clipping), got " + clipNorm);
        }
        if (checkpointEvery < 0) {
            throw bad("checkpoint_every", "must be >= 0 (0 = only at the end), got " + checkpointEvery);
        }
        if (logEvery < 1) {
            throw bad("log_every", "must be >= 1, got " + logEvery);
        }
        if (outputDir == null || outputDir.toString().isEmpty()) {
            throw bad("output_dir", "is required");
        }
    }

    /**
     * A configuration with the defaults for every optional field.
     *
     * @param learningRate peak learning rate
     * @param totalSteps optimizer steps
     * @param batchSize examples per micro-batch
     * @param outputDir output folder
     * @return the configuration
     */
    public static TrainingConfig defaults(double learningRate, long totalSteps, int batchSize, Path outputDir) {
        return new TrainingConfig(learningRate, 0, 0, 0, totalSteps, Schedule.COSINE, 0.05, 0.9, 0.999, 1e-8,
                batchSize, 1, 0, 1000, 10, outputDir, 42);
    }

    /**
     * @param file a JSON file as described above
     * @return the configuration
     * @throws IllegalArgumentException if the file is unreadable or a field is missing, mistyped or out of range
     */
    public static TrainingConfig load(Path file) {
        try {
            return fromJson(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read training config " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param json the JSON text
     * @return the configuration
     * @throws IllegalArgumentException if a field is missing, mistyped or out of range
     */
    public static TrainingConfig fromJson(String json) {
        JsonElement root;
        try {
            root = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("training config is not valid JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonObject()) {
            throw new IllegalArgumentException("training config must be a JSON object");
        }
        return fromJson(root.getAsJsonObject());
    }

    /**
     * @param o the JSON object (e.g. the {@code "training"} member of a larger config)
     * @return the configuration
     * @throws IllegalArgumentException if a field is missing, mistyped or out of range, or a key is unknown
     */
    public static TrainingConfig fromJson(JsonObject o) {
        Set<String> unknown = new TreeSet<>(o.keySet());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("training config has unknown key(s) " + unknown + "; known keys: "
                    + new TreeSet<>(KEYS));
        }
        TrainingConfig d = defaults(1, 1, 1, Path.of("."));
        double[] betas = betas(o, d);
        return new TrainingConfig(
                number(o, "learning_rate", null),
                number(o, "min_learning_rate", d.minLearningRate()),
                number(o, "warmup_learning_rate", d.warmupLearningRate()),
                integer(o, "warmup_steps", d.warmupSteps()),
                integer(o, "total_steps", null),
                schedule(o, d.schedule()),
                number(o, "weight_decay", d.weightDecay()),
                betas[0],
                betas[1],
                number(o, "eps", d.eps()),
                Math.toIntExact(integer(o, "batch_size", null)),
                Math.toIntExact(integer(o, "grad_accumulation", (long) d.gradAccumulation())),
                number(o, "clip_norm", d.clipNorm()),
                integer(o, "checkpoint_every", d.checkpointEvery()),
                integer(o, "log_every", d.logEvery()),
                Path.of(string(o, "output_dir")),
                integer(o, "seed", d.seed()));
    }

    /** @return this configuration as JSON, readable by {@link #fromJson(String)} */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("learning_rate", learningRate);
        o.addProperty("min_learning_rate", minLearningRate);
        o.addProperty("warmup_learning_rate", warmupLearningRate);
        o.addProperty("warmup_steps", warmupSteps);
        o.addProperty("total_steps", totalSteps);
        o.addProperty("schedule", schedule.name().toLowerCase(Locale.ROOT));
        o.addProperty("weight_decay", weightDecay);
        JsonArray b = new JsonArray();
        b.add(beta1);
        b.add(beta2);
        o.add("betas", b);
        o.addProperty("eps", eps);
        o.addProperty("batch_size", batchSize);
        o.addProperty("grad_accumulation", gradAccumulation);
        o.addProperty("clip_norm", clipNorm);
        o.addProperty("checkpoint_every", checkpointEvery);
        o.addProperty("log_every", logEvery);
        o.addProperty("output_dir", outputDir.toString());
        o.addProperty("seed", seed);
        return new GsonBuilder().setPrettyPrinting().create().toJson(o);
    }

    /** @return the learning-rate schedule these settings describe */
    public LearningRateSchedule learningRateSchedule() {
        return schedule == Schedule.COSINE
                ? new WarmupCosineSchedule(learningRate, minLearningRate, warmupLearningRate, warmupSteps, totalSteps)
                : new WarmupConstantSchedule(learningRate, warmupLearningRate, warmupSteps);
    }

    /** @return the AdamW hyper-parameters */
    public AdamWSettings adamW() {
        return new AdamWSettings(beta1, beta2, eps, weightDecay);
    }

    private static void positive(String key, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw bad(key, "must be a positive number, got " + v);
        }
    }

    private static IllegalArgumentException bad(String key, String problem) {
        return new IllegalArgumentException("training config field \"" + key + "\" " + problem);
    }

    private static JsonPrimitive primitive(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive()) {
            throw bad(key, "must be a " + (key.equals("output_dir") || key.equals("schedule") ? "string" : "number")
                    + ", got " + e);
        }
        return e.getAsJsonPrimitive();
    }

    private static double number(JsonObject o, String key, Double fallback) {
        return field(o, key, fallback, "a number", JsonPrimitive::isNumber, JsonPrimitive::getAsDouble);
    }

    private static long integer(JsonObject o, String key, Long fallback) {
        return field(o, key, fallback, "an integer", JsonPrimitive::isNumber,
                p -> p.getAsBigDecimal().longValueExact());
    }

    private static String string(JsonObject o, String key) {
        return field(o, key, null, "a string", JsonPrimitive::isString, JsonPrimitive::getAsString);
    }

    /**
     * Reads one scalar field.
     *
     * @param o the config object
     * @param key the field's name
     * @param fallback the value when the field is absent or null; null makes the field required
     * @param kind what the field must be, for the error message (e.g. "an integer")
     * @param accepts whether a present value has the right JSON type
     * @param convert reads an accepted value; may throw {@link ArithmeticException} (e.g. a fractional integer)
     * @param <T> the field's Java type
     * @return the field's value, or {@code fallback}
     */
    private static <T> T field(JsonObject o, String key, T fallback, String kind, Predicate<JsonPrimitive> accepts,
            Function<JsonPrimitive, T> convert) {
        JsonPrimitive p = primitive(o, key);
        if (p == null) {
            if (fallback == null) {
                throw bad(key, "is required");
            }
            return fallback;
        }
        if (!accepts.test(p)) {
            throw bad(key, "must be " + kind + ", got " + p);
        }
        try {
            return convert.apply(p);
        } catch (ArithmeticException e) {
            throw bad(key, "must be " + kind + ", got " + p);
        }
    }

    private static Schedule schedule(JsonObject o, Schedule fallback) {
        JsonPrimitive p = primitive(o, "schedule");
        if (p == null) {
            return fallback;
        }
        String s = p.isString() ? p.getAsString().toUpperCase(Locale.ROOT) : "";
        for (Schedule v : Schedule.values()) {
            if (v.name().equals(s)) {
                return v;
            }
        }
        throw bad("schedule", "must be \"cosine\" or \"constant\", got " + p);
    }

    private static double[] betas(JsonObject o, TrainingConfig d) {
        JsonElement e = o.get("betas");
        if (e == null || e.isJsonNull()) {
            return new double[] {d.beta1(), d.beta2()};
        }
        List<Double> values = new ArrayList<>();
        if (e.isJsonArray()) {
            for (JsonElement x : e.getAsJsonArray()) {
                if (x.isJsonPrimitive() && x.getAsJsonPrimitive().isNumber()) {
                    values.add(x.getAsDouble());
                }
            }
        }
        if (!e.isJsonArray() || e.getAsJsonArray().size() != 2 || values.size() != 2) {
            throw bad("betas", "must be an array of two numbers, got " + e);
        }
        return new double[] {values.get(0), values.get(1)};
    }
}
