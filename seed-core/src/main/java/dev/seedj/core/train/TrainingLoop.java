package dev.seedj.core.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model-agnostic training loop on DJL autograd. Each optimizer step:
 * <ol>
 *   <li>zeroes the gradients of the trainable parameters (in place, as {@code zero_grad(set_to_none=False)});</li>
 *   <li>for each of the {@code grad_accumulation} micro-batches: reseeds the engine's random generator from the
 *       run seed, the step and the micro-batch, takes the next batch, runs the {@link TrainingStep} inside a
 *       {@link GradientCollector} in a fresh {@link NDManager} scope and backpropagates
 *       {@code total / grad_accumulation} (PyTorch accumulates gradients over backward passes until zeroed);</li>
 *   <li>clips the global gradient norm ({@code clip_norm > 0}) and steps {@link AdamW} with the schedule's
 *       learning rate, unless the norm is not finite: then the update is skipped with a warning;</li>
 *   <li>records every loss term (averaged over the micro-batches), the learning rate and the gradient norm in the
 *       {@link TrainingLog} ({@code train_log.jsonl}), logs them through SLF4J every {@code log_every} steps, and
 *       every {@code checkpoint_every} steps saves a {@link TrainingCheckpoint}.</li>
 * </ol>
 * {@link #run()} ends with a final checkpoint, {@code train_log.csv} and {@code loss.png} in the output folder.
 * A run resumed with {@link #resume} or {@link #resumeLatest()} from a checkpoint repeats the uninterrupted run
 * exactly: parameters, optimizer moments, data position and the per-step seeding are all restored.
 *
 * <p>Output folder layout: {@code training_config.json}, {@code train_log.jsonl}, {@code train_log.csv},
 * {@code loss.png}, {@code checkpoints/step-NNNNNNNN.safetensors}.
 *
 * <p>Not thread-safe: one thread drives the loop (PyTorch allows one gradient collector at a time).
 *
 * @param <B> the micro-batch type
 */
public final class TrainingLoop<B> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);

    private final TrainingConfig config;
    private final List<TrainableParameter> parameters;
    private final BatchSource<B> data;
    private final TrainingStep<B> step;
    private final LearningRateSchedule schedule;
    private final AdamW optimizer;
    private final boolean progressBar;
    private final Engine engine;
    private final NDManager stepManager;
    private final ArrayGrowthWatch growthWatch;
    private TrainingLog log;
    private long completed;
    private long lastCheckpoint = -1;

    private TrainingLoop(Builder<B> b) {
        this.config = b.config;
        this.parameters = List.copyOf(b.parameters);
        this.data = b.data;
        this.step = b.step;
        this.schedule = b.schedule != null ? b.schedule : config.learningRateSchedule();
        this.optimizer = new AdamW(parameters, config.adamW());
        this.progressBar = b.progressBar != null ? b.progressBar : System.console() != null;
        NDArray first = parameters.get(0).parameter().getArray();
        this.engine = first.getManager().getEngine();
        Device device = first.getDevice();
        this.stepManager = NDManager.newBaseManager(device, engine.getEngineName());
        this.stepManager.setName("training steps");
        Set<NDManager> owners = new LinkedHashSet<>();
        for (TrainableParameter tp : parameters) {
            NDArray a = tp.parameter().getArray();
            a.setRequiresGradient(true);
            owners.add(a.getManager());
        }
        this.growthWatch = new ArrayGrowthWatch(owners);
    }

    /**
     * @param config the run's settings
     * @param <B> the micro-batch type
     * @return a builder
     */
    public static <B> Builder<B> builder(TrainingConfig config) {
        return new Builder<>(config);
    }

    /** @return optimizer steps completed so far */
    public long completedSteps() {
        return completed;
    }

    /** @return the optimizer (for inspecting its state) */
    public AdamW optimizer() {
        return optimizer;
    }

    /** @return the run's settings */
    public TrainingConfig config() {
        return config;
    }

    /** @return the folder holding the checkpoints */
    public Path checkpointDir() {
        return config.outputDir().resolve("checkpoints");
    }

    /** @return the log of this run (opened on the first step or resume) */
    public TrainingLog log() {
        return openLog();
    }

    /**
     * Continues from a checkpoint: restores parameters, optimizer state, the data position and the step count,
     * and reopens the log truncated to that step.
     *
     * @param checkpoint a file written by this loop (or {@link TrainingCheckpoint#save})
     * @throws IllegalArgumentException if the checkpoint was made with another seed
     * @throws dev.seedj.core.weights.CheckpointException if it does not fit the trainable parameters
     */
    public void resume(Path checkpoint) {
        CheckpointInfo info = TrainingCheckpoint.load(checkpoint, parameters, optimizer);
        if (info.seed() != config.seed()) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " was made with seed " + info.seed()
                    + " but the config has seed " + config.seed() + "; the run could not repeat exactly");
        }
        data.seek(info.dataPosition());
        completed = info.step();
        lastCheckpoint = completed;
        if (log != null) {
            log.close();
        }
        log = TrainingLog.resume(logFile(), completed);
        LOG.info("resumed from {} at step {} (data epoch {}, offset {})", checkpoint, completed,
                info.dataPosition().epoch(), info.dataPosition().offset());
    }

    /**
     * Resumes from the newest checkpoint in {@link #checkpointDir()}, if there is one.
     *
     * @return the checkpoint resumed from, or empty to start from scratch
     */
    public Optional<Path> resumeLatest() {
        Optional<Path> latest = TrainingCheckpoint.latest(checkpointDir());
        latest.ifPresent(this::resume);
        return latest;
    }

    /**
     * Trains to {@code total_steps}, then writes the final checkpoint, the CSV log and the loss plot.
     *
     * @return the log of the whole run
     */
    public TrainingLog run() {
        runUntil(config.totalSteps());
        if (lastCheckpoint != completed) {
            saveCheckpoint();
        }
        TrainingLog l = openLog();
        l.writeCsv(config.outputDir().resolve("train_log.csv"));
        try {
            LossPlot.save(l, config.outputDir().resolve("loss.png"));
        } catch (IllegalArgumentException e) {
            LOG.warn("no loss plot: {}", e.getMessage());
        }
        LOG.info("training finished at step {}; outputs in {}", completed, config.outputDir());
        return l;
    }

    /**
     * Trains until {@code targetStep} steps are completed (at most {@code total_steps}), saving the periodic
     * checkpoints on the way.
     *
     * @param targetStep the step count to reach
     */
    public void runUntil(long targetStep) {
        long target = Math.min(targetStep, config.totalSteps());
        openLog();
        try (TrainingProgress progress = new TrainingProgress(completed, config.totalSteps(), progressBar)) {
            while (completed < target) {
                TrainingRecord r = runStep();
                progress.update(completed, "loss " + String.format("%.4f", r.losses().get(LossTerms.TOTAL)));
                if (completed % config.logEvery() == 0 || completed == target) {
                    LOG.info("step {}/{} {} | {}", completed, config.totalSteps(), describe(r),
                            progress.timing(completed));
                    growthWatch.check(completed);
                } else if (LOG.isDebugEnabled()) {
                    LOG.debug("step {}/{} {}", completed, config.totalSteps(), describe(r));
                }
                if (config.checkpointEvery() > 0 && completed % config.checkpointEvery() == 0) {
                    saveCheckpoint();
                }
            }
        }
    }

    /**
     * Runs one optimizer step (all its micro-batches) and records it.
     *
     * @return the step's record
     */
    public TrainingRecord runStep() {
        long index = completed;
        double lr = schedule.learningRate(index);
        for (TrainableParameter tp : parameters) {
            Gradients.zero(tp.parameter().getArray());
        }
        int k = config.gradAccumulation();
        Map<String, Double> losses = new LinkedHashMap<>();
        for (int micro = 0; micro < k; micro++) {
            engine.setRandomSeed(stepSeed(config.seed(), index, micro));
            B batch = data.next();
            try (NDManager scope = stepManager.newSubManager()) {
                Map<String, Double> values;
                try (GradientCollector collector = engine.newGradientCollector()) {
                    LossTerms terms = Objects.requireNonNull(step.compute(batch, scope),
                            "the training step returned no LossTerms");
                    NDArray total = terms.total(scope); // []
                    // divide by a tensor of the scope: autograd keeps the divisor, and DJL frees a Number's tensor
                    collector.backward(k == 1 ? total : total.div(scope.create((float) k)));
                    values = terms.values();
                }
                values.forEach((name, v) -> losses.merge(name, v / k, Double::sum));
            }
        }
        double total = losses.get(LossTerms.TOTAL);
        if (!Double.isFinite(total)) {
            LOG.warn("step {}: the total loss is {}", index + 1, total);
        }
        double gradNorm = clipGradients();
        if (Double.isFinite(gradNorm)) {
            optimizer.step(lr);
        } else {
            // one NaN would spread to every parameter through the update; skip it, as PyTorch's GradScaler does
            LOG.warn("step {}: the gradient norm is {}; the update is skipped", index + 1, gradNorm);
        }
        completed++;
        TrainingRecord record = new TrainingRecord(completed, lr, gradNorm, losses);
        openLog().append(record);
        return record;
    }

    /**
     * Saves a checkpoint of the current state as {@code checkpoints/step-NNNNNNNN.safetensors}.
     *
     * @return the file written
     */
    public Path saveCheckpoint() {
        Path file = TrainingCheckpoint.fileFor(checkpointDir(), completed);
        TrainingCheckpoint.save(file, new CheckpointInfo(completed, config.seed(), data.position()), parameters,
                optimizer);
        lastCheckpoint = completed;
        LOG.info("saved checkpoint {}", file);
        return file;
    }

    /** Frees the optimizer state and closes the log. */
    @Override
    public void close() {
        optimizer.close();
        stepManager.close();
        if (log != null) {
            log.close();
        }
    }

    private double clipGradients() {
        try (NDManager scope = stepManager.newSubManager()) {
            List<NDArray> grads = new ArrayList<>();
            for (TrainableParameter tp : parameters) {
                NDArray g = Gradients.gradientOf(tp.parameter().getArray());
                if (g != null) {
                    g.attach(scope);
                    grads.add(g);
                }
            }
            return config.clipNorm() > 0
                    ? GradientClipping.clipGlobalNorm(grads, config.clipNorm())
                    : GradientClipping.globalNorm(grads);
        }
    }

    private TrainingLog openLog() {
        if (log == null) {
            try {
                Files.createDirectories(config.outputDir());
                Files.writeString(config.outputDir().resolve("training_config.json"), config.toJson(),
                        StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write to output folder " + config.outputDir(), e);
            }
            log = TrainingLog.create(logFile());
        }
        return log;
    }

    private Path logFile() {
        return config.outputDir().resolve("train_log.jsonl");
    }

    private static String describe(TrainingRecord r) {
        String losses = r.losses().entrySet().stream()
                .map(e -> e.getKey() + " " + String.format("%.6g", e.getValue()))
                .collect(Collectors.joining(", "));
        return String.format("lr %.3e, grad norm %.4g | %s", r.learningRate(), r.gradNorm(), losses);
    }

    /** A well-mixed 32-bit seed (SplitMix64 finaliser) for the engine at one micro-batch of one step. */
    static int stepSeed(long seed, long step, int micro) {
        long z = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + micro * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) (z & 0x7fffffff);
    }

    /**
     * Assembles a {@link TrainingLoop}.
     *
     * <p>Not thread-safe.
     *
     * @param <B> the micro-batch type
     */
    public static final class Builder<B> {
        private final TrainingConfig config;
        private List<TrainableParameter> parameters;
        private BatchSource<B> data;
        private TrainingStep<B> step;
        private LearningRateSchedule schedule;
        private Boolean progressBar;

        private Builder(TrainingConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /**
         * @param trainable what to train, with weight-decay groups (e.g. {@link TrainableParameter#lavisGroups})
         * @return this
         */
        public Builder<B> parameters(List<TrainableParameter> trainable) {
            this.parameters = trainable;
            return this;
        }

        /**
         * @param source the micro-batches (each of {@code batch_size} examples)
         * @return this
         */
        public Builder<B> data(BatchSource<B> source) {
            this.data = source;
            return this;
        }

        /**
         * @param trainingStep the forward pass and losses
         * @return this
         */
        public Builder<B> step(TrainingStep<B> trainingStep) {
            this.step = trainingStep;
            return this;
        }

        /**
         * @param learningRates replaces the schedule the config describes
         * @return this
         */
        public Builder<B> optSchedule(LearningRateSchedule learningRates) {
            this.schedule = learningRates;
            return this;
        }

        /**
         * @param enabled force the terminal progress bar on or off (default: on when a console is attached)
         * @return this
         */
        public Builder<B> optProgressBar(boolean enabled) {
            this.progressBar = enabled;
            return this;
        }

        /**
         * @return the loop (marks every trainable array as requiring a gradient)
         * @throws IllegalArgumentException naming a missing part, or from {@link AdamW}'s checks
         */
        public TrainingLoop<B> build() {
            if (parameters == null || parameters.isEmpty()) {
                throw new IllegalArgumentException("the training loop needs trainable parameters");
            }
            if (data == null) {
                throw new IllegalArgumentException("the training loop needs a batch source");
            }
            if (step == null) {
                throw new IllegalArgumentException("the training loop needs a training step");
            }
            return new TrainingLoop<>(this);
        }
    }
}
