package dev.seedj.tokenizer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.train.Gradients;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Codebook usage over stage-2 training and, optionally, dead-code re-initialisation: every {@code every} steps the
 * codes no batch chose since the previous check are overwritten with encoder outputs {@code z} drawn at random
 * (engine generator, which the training loop reseeds per step) from the last {@code window} vectors seen. The
 * reference has no such handling; it is off unless {@link Stage2Options#deadCodes()} is set. The optimizer moments
 * of a re-initialised row are kept.
 *
 * <p>The usage flags and the recent vectors are not saved in checkpoints, but both restart at every check, so a
 * run resumed from a checkpoint taken at a multiple of {@code every} repeats exactly.
 *
 * <p>Not thread-safe; used by the training loop's thread.
 */
public final class CodebookMonitor {
    private static final Logger LOG = LoggerFactory.getLogger(CodebookMonitor.class);

    private final Stage2Network network;
    private final Optional<Stage2Options.DeadCodePolicy> policy;
    private final int dim;
    private final boolean[] usedSinceCheck;
    private final float[] recent; // ring buffer of [window, D]
    private int recentCount;
    private int recentNext;
    private long calls;

    /**
     * @param network the stage-2 network whose codebook is watched
     */
    public CodebookMonitor(Stage2Network network) {
        this.network = network;
        this.policy = network.options().deadCodes();
        this.dim = network.config().codebook().dim();
        this.usedSinceCheck = new boolean[network.config().codebook().size()];
        this.recent = new float[policy.map(p -> p.window() * dim).orElse(0)];
    }

    /**
     * Before a forward pass: re-initialises dead codes when a check is due.
     *
     * @param scope the step's manager (for temporaries)
     * @return the number of codes re-initialised (0 when no check was due)
     */
    public int beforeStep(NDManager scope) {
        calls++;
        if (policy.isEmpty() || calls == 1 || (calls - 1) % policy.get().every() != 0) {
            return 0;
        }
        int[] dead = unused(usedSinceCheck);
        int reinitialised = 0;
        if (dead.length > 0 && recentCount > 0) {
            reinitialise(scope, dead);
            reinitialised = dead.length;
            LOG.info("re-initialised {} of {} codebook entries unused in the last {} steps", dead.length,
                    usedSinceCheck.length, policy.get().every());
        }
        Arrays.fill(usedSinceCheck, false);
        recentCount = 0;
        recentNext = 0;
        return reinitialised;
    }

    private void reinitialise(NDManager scope, int[] dead) {
        long[] picks = scope.randomInteger(0, recentCount, new Shape(dead.length), DataType.INT64).toLongArray();
        Gradients.withoutGrad(() -> {
            NDArray codebook = network.codebook().getArray(); // [K, D]
            float[] rows = codebook.toFloatArray();
            for (int i = 0; i < dead.length; i++) {
                System.arraycopy(recent, (int) picks[i] * dim, rows, dead[i] * dim, dim);
            }
            NDArray fresh = scope.create(rows, codebook.getShape());
            codebook.muli(0f).addi(fresh); // in place: the parameter keeps its identity and autograd flag
            return null;
        });
    }

    /**
     * After a forward pass: counts the batch's codes and remembers its encoder outputs.
     *
     * @param codes [B, Q] int64
     * @param z [B, Q, D] encoder outputs
     * @return the number of distinct codes in the batch
     */
    public int afterForward(NDArray codes, NDArray z) {
        Set<Long> distinct = new HashSet<>();
        for (long id : codes.toLongArray()) {
            usedSinceCheck[(int) id] = true;
            distinct.add(id);
        }
        if (policy.isPresent()) {
            float[] vectors = z.toFloatArray(); // [B * Q * D]
            int window = policy.get().window();
            for (int v = 0; v < vectors.length / dim; v++) {
                System.arraycopy(vectors, v * dim, recent, recentNext * dim, dim);
                recentNext = (recentNext + 1) % window;
                recentCount = Math.min(recentCount + 1, window);
            }
        }
        return distinct.size();
    }

    /** @return how many distinct codes were chosen since the last check (or the start) */
    public int usedSinceCheck() {
        return usedSinceCheck.length - unused(usedSinceCheck).length;
    }

    private static int[] unused(boolean[] used) {
        int n = 0;
        for (boolean u : used) {
            n += u ? 0 : 1;
        }
        int[] out = new int[n];
        for (int i = 0, k = 0; i < used.length; i++) {
            if (!used[i]) {
                out[k++] = i;
            }
        }
        return out;
    }
}
