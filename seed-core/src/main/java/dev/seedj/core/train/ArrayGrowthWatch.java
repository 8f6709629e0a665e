package dev.seedj.core.train;

import ai.djl.ndarray.NDManager;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices native arrays piling up in the long-lived managers that own the model's parameters (a training step
 * that places intermediate results there leaks one set per step) and warns with the growth.
 *
 * <p>Not thread-safe; used by the training loop's thread.
 */
final class ArrayGrowthWatch {
    private static final Logger LOG = LoggerFactory.getLogger(ArrayGrowthWatch.class);

    private final List<NDManager> managers;
    private long baseline = -1;
    private long baselineStep;

    /** @param managers the managers to watch (with their sub-managers) */
    ArrayGrowthWatch(Collection<NDManager> managers) {
        this.managers = List.copyOf(managers);
    }

    /** @return arrays currently held by the watched managers */
    long count() {
        long n = 0;
        for (NDManager m : managers) {
            n += m.getManagedArrays().size();
        }
        return n;
    }

    /**
     * Compares with the count at the first call; warns if it grew.
     *
     * @param step steps completed
     * @return the growth since the previous warning or the first call
     */
    long check(long step) {
        long now = count();
        if (baseline < 0) {
            baseline = now;
            baselineStep = step;
            return 0;
        }
        long growth = now - baseline;
        if (growth > 0) {
            LOG.warn("{} native arrays accumulated in the model's managers between steps {} and {}: the training step"
                    + " creates results in a long-lived manager (put data arrays first in operations, or create"
                    + " them in the step's manager)", growth, baselineStep, step);
            baseline = now;
            baselineStep = step;
        }
        return growth;
    }
}
