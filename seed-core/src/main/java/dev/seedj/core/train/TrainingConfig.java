package dev.seedj.core.train;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.seedj.core.config.ConfigException;
import dev.seedj.core.config.ConfigValue;
import dev.seedj.core.config.ConfigWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

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
 * field ({@link ConfigException} with its JSON path). Build one in code with
 * {@link #builder(double, long, int, Path)}.
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
        return builder(learningRate, totalSteps, batchSize, outputDir).build();
    }

    /**
     * A builder with the required fields set and the defaults for the others.
     *
     * @param learningRate peak learning rate
     * @param totalSteps optimizer steps
     * @param batchSize examples per micro-batch
     * @param outputDir output folder
     * @return the builder
     */
    public static Builder builder(double learningRate, long totalSteps, int batchSize, Path outputDir) {
        return new Builder().learningRate(learningRate).totalSteps(totalSteps).batchSize(batchSize)
                .outputDir(outputDir);
    }

    /** @return a builder holding this configuration's values */
    public Builder toBuilder() {
        return builder(learningRate, totalSteps, batchSize, outputDir).minLearningRate(minLearningRate)
                .warmupLearningRate(warmupLearningRate).warmupSteps(warmupSteps).schedule(schedule)
                .weightDecay(weightDecay).betas(beta1, beta2).eps(eps).gradAccumulation(gradAccumulation)
                .clipNorm(clipNorm).checkpointEvery(checkpointEvery).logEvery(logEvery).seed(seed);
    }

    /**
     * @param file a JSON file as described above
     * @return the configuration
     * @throws ConfigException naming the file and the bad field
     * @throws java.io.UncheckedIOException if the file cannot be read
     */
    public static TrainingConfig load(Path file) {
        return ConfigValue.readFile(file, TrainingConfig::fromJson);
    }

    /**
     * @param json the JSON text
     * @return the configuration
     * @throws ConfigException if a field is missing, mistyped or out of range, or a key is unknown
     */
    public static TrainingConfig fromJson(String json) {
        return fromJson(ConfigValue.parse(json));
    }

    /**
     * @param o the JSON object (e.g. the {@code "training"} member of a larger config)
     * @return the configuration
     * @throws ConfigException if a field is missing, mistyped or out of range, or a key is unknown
     */
    public static TrainingConfig fromJson(ConfigValue o) {
        o.rejectUnknownKeys(KEYS);
        TrainingConfig d = defaults(1, 1, 1, Path.of("."));
        ConfigValue betas = o.get("betas");
        List<Double> b = betas.isPresent() ? betas.asList(ConfigValue::asDouble) : List.of(d.beta1(), d.beta2());
        if (b.size() != 2) {
            throw betas.error("must be an array of two numbers, got " + betas.json());
        }
        return builder(o.get("learning_rate").asDouble(), o.get("total_steps").asLong(),
                o.get("batch_size").asInt(), Path.of(o.get("output_dir").asString()))
                .minLearningRate(o.get("min_learning_rate").asDouble(d.minLearningRate()))
                .warmupLearningRate(o.get("warmup_learning_rate").asDouble(d.warmupLearningRate()))
                .warmupSteps(o.get("warmup_steps").asLong(d.warmupSteps()))
                .schedule(o.get("schedule").asEnum(Schedule.class, d.schedule()))
                .weightDecay(o.get("weight_decay").asDouble(d.weightDecay()))
                .betas(b.get(0), b.get(1))
                .eps(o.get("eps").asDouble(d.eps()))
                .gradAccumulation(o.get("grad_accumulation").asInt(d.gradAccumulation()))
                .clipNorm(o.get("clip_norm").asDouble(d.clipNorm()))
                .checkpointEvery(o.get("checkpoint_every").asLong(d.checkpointEvery()))
                .logEvery(o.get("log_every").asLong(d.logEvery()))
                .seed(o.get("seed").asLong(d.seed()))
                .build();
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
        return ConfigWriter.pretty(o);
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

    private static ConfigException bad(String key, String problem) {
        return new ConfigException("$." + key, problem);
    }

    /**
     * Builds a {@link TrainingConfig} field by field; {@link TrainingConfig#builder} sets the required fields
     * and the defaults of the others. Not thread-safe; the built configuration is immutable.
     */
    public static final class Builder {
        private double learningRate;
        private double minLearningRate = 0;
        private double warmupLearningRate = 0;
        private long warmupSteps = 0;
        private long totalSteps;
        private Schedule schedule = Schedule.COSINE;
        private double weightDecay = 0.05;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private int batchSize;
        private int gradAccumulation = 1;
        private double clipNorm = 0;
        private long checkpointEvery = 1000;
        private long logEvery = 10;
        private Path outputDir;
        private long seed = 42;

        private Builder() {}

        /**
         * @param v peak learning rate ({@code learning_rate})
         * @return this builder
         */
        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        /**
         * @param v cosine floor ({@code min_learning_rate})
         * @return this builder
         */
        public Builder minLearningRate(double v) {
            minLearningRate = v;
            return this;
        }

        /**
         * @param v learning rate at step 0 ({@code warmup_learning_rate})
         * @return this builder
         */
        public Builder warmupLearningRate(double v) {
            warmupLearningRate = v;
            return this;
        }

        /**
         * @param v warm-up length ({@code warmup_steps})
         * @return this builder
         */
        public Builder warmupSteps(long v) {
            warmupSteps = v;
            return this;
        }

        /**
         * @param v optimizer steps of the run ({@code total_steps})
         * @return this builder
         */
        public Builder totalSteps(long v) {
            totalSteps = v;
            return this;
        }

        /**
         * @param v the decay after warm-up ({@code schedule})
         * @return this builder
         */
        public Builder schedule(Schedule v) {
            schedule = v;
            return this;
        }

        /**
         * @param v AdamW weight decay of the decay group ({@code weight_decay})
         * @return this builder
         */
        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        /**
         * @param v AdamW eps ({@code eps})
         * @return this builder
         */
        public Builder eps(double v) {
            eps = v;
            return this;
        }

        /**
         * @param v examples per micro-batch ({@code batch_size})
         * @return this builder
         */
        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        /**
         * @param v micro-batches per optimizer step ({@code grad_accumulation})
         * @return this builder
         */
        public Builder gradAccumulation(int v) {
            gradAccumulation = v;
            return this;
        }

        /**
         * @param v global gradient-norm limit, 0 for none ({@code clip_norm})
         * @return this builder
         */
        public Builder clipNorm(double v) {
            clipNorm = v;
            return this;
        }

        /**
         * @param v steps between checkpoints, 0 for only the final one ({@code checkpoint_every})
         * @return this builder
         */
        public Builder checkpointEvery(long v) {
            checkpointEvery = v;
            return this;
        }

        /**
         * @param v steps between log lines ({@code log_every})
         * @return this builder
         */
        public Builder logEvery(long v) {
            logEvery = v;
            return this;
        }

        /**
         * @param v where checkpoints, logs and plots are written ({@code output_dir})
         * @return this builder
         */
        public Builder outputDir(Path v) {
            outputDir = v;
            return this;
        }

        /**
         * @param v seed of the data order and the engine's random generator ({@code seed})
         * @return this builder
         */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /**
         * @param b1 AdamW beta1
         * @param b2 AdamW beta2 ({@code betas})
         * @return this builder
         */
        public Builder betas(double b1, double b2) {
            beta1 = b1;
            beta2 = b2;
            return this;
        }

        /**
         * @return the configuration
         * @throws ConfigException naming the first bad field
         */
        public TrainingConfig build() {
            return new TrainingConfig(learningRate, minLearningRate, warmupLearningRate, warmupSteps, totalSteps, schedule, weightDecay, beta1, beta2, eps, batchSize, gradAccumulation, clipNorm, checkpointEvery, logEvery, outputDir, seed);
        }
    }
}
