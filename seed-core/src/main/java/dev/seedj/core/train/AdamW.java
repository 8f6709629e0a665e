package dev.seedj.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.StateDict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PyTorch's {@code torch.optim.AdamW} (the single-tensor path of torch 1.13, which SEED's reference training
 * and the oracle fixtures used), operating in place on DJL parameters and their autograd gradients.
 *
 * <p>For each parameter with a gradient {@code g}, at its step {@code t} (counted per parameter, from 1):
 * <pre>
 *   p  *= 1 - lr * wd                                  (decoupled weight decay first; wd = 0 in the no-decay group)
 *   m   = b1 * m + (1 - b1) * g
 *   v   = b2 * v + (1 - b2) * g * g
 *   bc1 = 1 - b1^t,  bc2 = 1 - b2^t
 *   p  += (-lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)
 * </pre>
 * Scalars are computed in double and applied to the float32 tensors as float32, with PyTorch's operation order,
 * so results agree with PyTorch to float32 rounding. A parameter whose gradient is absent (no backward pass has
 * reached it) is skipped entirely, neither decayed nor counted, as PyTorch skips {@code .grad is None}.
 *
 * <p>DJL's own {@code ai.djl.training.optimizer.AdamW} is not used because it computes a different update: its
 * native kernel adds {@code eps} to {@code sqrt(v)} before the bias correction is folded into the learning rate
 * (an effective {@code eps / sqrt(bc2)}, 31.6x PyTorch's at step 1), decays as {@code p -= p*lr*wd} rather than
 * {@code p *= 1 - lr*wd}, has a single weight decay for all parameters (no decay/no-decay groups), and keeps its
 * moments in private fields that cannot be saved, so training could not resume exactly.
 *
 * <p>The moment arrays live in this optimizer's own manager (on the first parameter's device) and are updated in
 * place; temporaries are closed within each step, so memory does not grow over a run.
 *
 * <p>Not thread-safe: one thread steps the optimizer, and nothing may run a forward or backward pass on the same
 * parameters during {@link #step}.
 */
public final class AdamW implements AutoCloseable {
    /** Suffix of the first-moment entries in {@link #stateTensors} / {@link #loadState}. */
    public static final String EXP_AVG = ".exp_avg";
    /** Suffix of the second-moment entries. */
    public static final String EXP_AVG_SQ = ".exp_avg_sq";
    /** Suffix of the per-parameter step counters (int64, 0-d). */
    public static final String STEP = ".step";

    private final List<TrainableParameter> parameters;
    private final AdamWSettings settings;
    private final NDManager stateManager;
    private final Map<String, Moments> moments = new HashMap<>();

    /**
     * @param parameters what to train, names unique, arrays attached, float32
     * @param settings betas, eps and the decay group's weight decay
     * @throws IllegalArgumentException on an empty list, duplicate names, a missing array or a non-float32 array
     */
    public AdamW(List<TrainableParameter> parameters, AdamWSettings settings) {
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException("AdamW needs at least one trainable parameter");
        }
        Set<String> seen = new HashSet<>();
        for (TrainableParameter tp : parameters) {
            if (!seen.add(tp.name())) {
                throw new IllegalArgumentException("trainable parameter '" + tp.name() + "' is listed twice");
            }
            if (!tp.parameter().isInitialized()) {
                throw new IllegalArgumentException("trainable parameter '" + tp.name() + "' has no array");
            }
            DataType type = tp.parameter().getArray().getDataType();
            if (type != DataType.FLOAT32) {
                throw new IllegalArgumentException("trainable parameter '" + tp.name() + "' is " + type
                        + "; AdamW trains float32 parameters only");
            }
        }
        this.parameters = List.copyOf(parameters);
        this.settings = settings;
        NDArray first = parameters.get(0).parameter().getArray();
        this.stateManager = NDManager.newBaseManager(first.getDevice(), first.getManager().getEngine().getEngineName());
        this.stateManager.setName("AdamW state");
    }

    /** @return the parameters this optimizer updates, in order */
    public List<TrainableParameter> parameters() {
        return parameters;
    }

    /** @return betas, eps and weight decay */
    public AdamWSettings settings() {
        return settings;
    }

    /**
     * Applies one update to every parameter that has a gradient, with autograd off.
     *
     * @param learningRate this step's learning rate (from the schedule)
     * @throws IllegalArgumentException if the learning rate is negative or not finite
     */
    public void step(double learningRate) {
        if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a finite number >= 0, got " + learningRate);
        }
        Gradients.withoutGrad(() -> {
            for (TrainableParameter tp : parameters) {
                NDArray p = tp.parameter().getArray();
                try (NDArray g = Gradients.gradientOf(p)) {
                    if (g != null) {
                        update(tp, p, g, learningRate);
                    }
                }
            }
            return null;
        });
    }

    private void update(TrainableParameter tp, NDArray p, NDArray g, double lr) {
        Moments s = moments.computeIfAbsent(tp.name(), n -> new Moments(p, stateManager));
        s.step++;
        double b1 = settings.beta1();
        double b2 = settings.beta2();
        double wd = tp.weightDecay() ? settings.weightDecay() : 0.0;
        if (wd != 0.0) {
            p.muli((float) (1 - lr * wd));
        }
        // m = b1 m + (1 - b1) g
        s.expAvg.muli((float) b1);
        try (NDArray scaled = g.mul((float) (1 - b1))) {
            s.expAvg.addi(scaled);
        }
        // v = b2 v + ((1 - b2) g) g
        s.expAvgSq.muli((float) b2);
        try (NDArray sq = g.mul((float) (1 - b2))) {
            s.expAvgSq.addi(sq.muli(g));
        }
        double biasCorrection1 = 1 - Math.pow(b1, s.step);
        double biasCorrection2 = 1 - Math.pow(b2, s.step);
        double stepSize = lr / biasCorrection1;
        // p += ((-stepSize) m) / (sqrt(v) / sqrt(bc2) + eps)
        try (NDArray denom = s.expAvgSq.sqrt();
                NDArray update = s.expAvg.mul((float) -stepSize)) {
            denom.divi((float) Math.sqrt(biasCorrection2)).addi((float) settings.eps());
            update.divi(denom);
            p.addi(update);
        }
    }

    /**
     * How many updates a parameter has received.
     *
     * @param name a trainable parameter's name
     * @return its step count (0 before its first update)
     */
    public long stepCount(String name) {
        Moments s = moments.get(name);
        return s == null ? 0 : s.step;
    }

    /**
     * The optimizer state for a checkpoint: for each parameter updated at least once, {@code <name>.exp_avg},
     * {@code <name>.exp_avg_sq} (float32, the parameter's shape) and {@code <name>.step} (int64, 0-d), each
     * name prefixed by {@code prefix}.
     *
     * @param prefix put in front of every key, e.g. {@code optimizer.}
     * @param manager owns the step tensors
     * @return the tensors in parameter order; the moment arrays are this optimizer's live state (read them, do not
     *     close or modify them)
     */
    public Map<String, NDArray> stateTensors(String prefix, NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (TrainableParameter tp : parameters) {
            Moments s = moments.get(tp.name());
            if (s != null) {
                out.put(prefix + tp.name() + EXP_AVG, s.expAvg);
                out.put(prefix + tp.name() + EXP_AVG_SQ, s.expAvgSq);
                out.put(prefix + tp.name() + STEP, manager.create(s.step));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Replaces the whole optimizer state with the one stored under {@code prefix} (as written from
     * {@link #stateTensors}); parameters without stored state start from zero state.
     *
     * @param dict the checkpoint
     * @param prefix the prefix the state was written with
     * @throws CheckpointException if an entry is incomplete, has the wrong shape or type, or names a parameter this
     *     optimizer does not train
     */
    public void loadState(StateDict dict, String prefix) {
        Map<String, TrainableParameter> byName = new HashMap<>();
        parameters.forEach(tp -> byName.put(tp.name(), tp));
        List<String> unknown = new ArrayList<>();
        for (String key : dict.keys()) {
            if (key.startsWith(prefix)) {
                String name = stripSuffix(key.substring(prefix.length()));
                if (name == null || !byName.containsKey(name)) {
                    unknown.add(key);
                }
            }
        }
        if (!unknown.isEmpty()) {
            throw new CheckpointException("the checkpoint has optimizer state for parameters that are not trained"
                    + " now (was the set of trainable parameters changed?): " + unknown);
        }
        Map<String, Moments> loaded = new HashMap<>();
        for (TrainableParameter tp : parameters) {
            String base = prefix + tp.name();
            boolean any = dict.contains(base + STEP) || dict.contains(base + EXP_AVG) || dict.contains(base + EXP_AVG_SQ);
            if (any) {
                loaded.put(tp.name(), readMoments(dict, base, tp.parameter().getArray()));
            }
        }
        moments.values().forEach(Moments::close);
        moments.clear();
        moments.putAll(loaded);
    }

    private Moments readMoments(StateDict dict, String base, NDArray param) {
        for (String suffix : new String[] {STEP, EXP_AVG, EXP_AVG_SQ}) {
            if (!dict.contains(base + suffix)) {
                throw new CheckpointException("optimizer state '" + base + "' lacks its " + suffix + " entry");
            }
        }
        long[] shape = param.getShape().getShape();
        for (String suffix : new String[] {EXP_AVG, EXP_AVG_SQ}) {
            long[] stored = dict.info(base + suffix).shape();
            if (!Arrays.equals(stored, shape)) {
                throw new CheckpointException("optimizer state '" + base + suffix + "' has shape "
                        + Arrays.toString(stored) + " but the parameter has " + param.getShape());
            }
        }
        if (dict.info(base + STEP).dtype().isFloating() || dict.info(base + STEP).numel() != 1) {
            throw new CheckpointException("optimizer state '" + base + STEP + "' must be one integer, found "
                    + dict.info(base + STEP));
        }
        Moments m = new Moments(param, stateManager);
        try (NDManager tmp = stateManager.newSubManager()) {
            m.step = dict.get(base + STEP, tmp).getLong();
            dict.get(base + EXP_AVG, tmp).copyTo(m.expAvg);
            dict.get(base + EXP_AVG_SQ, tmp).copyTo(m.expAvgSq);
        }
        if (m.step < 1) {
            m.close();
            throw new CheckpointException("optimizer state '" + base + STEP + "' is " + m.step + "; expected >= 1");
        }
        return m;
    }

    private static String stripSuffix(String key) {
        for (String suffix : new String[] {EXP_AVG_SQ, EXP_AVG, STEP}) {
            if (key.endsWith(suffix)) {
                return key.substring(0, key.length() - suffix.length());
            }
        }
        return null;
    }

    /** Frees the moment arrays. */
    @Override
    public void close() {
        stateManager.close();
        moments.clear();
    }

    /** Per-parameter state: torch's {@code step}, {@code exp_avg}, {@code exp_avg_sq}. */
    private static final class Moments implements AutoCloseable {
        long step;
        final NDArray expAvg;
        final NDArray expAvgSq;

        Moments(NDArray param, NDManager manager) {
            this.expAvg = manager.zeros(param.getShape(), DataType.FLOAT32, param.getDevice());
            this.expAvgSq = manager.zeros(param.getShape(), DataType.FLOAT32, param.getDevice());
        }

        @Override
        public void close() {
            expAvg.close();
            expAvgSq.close();
        }
    }
}
