package dev.seedj.core.train;

/**
 * The learning rate at each optimizer step.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface LearningRateSchedule {

    /**
     * @param step the 0-based index of the optimizer step about to be taken
     * @return its learning rate
     */
    double learningRate(long step);

    /**
     * LAVIS's linear warm-up ({@code warmup_lr_schedule}): from {@code startLr} at step 0 towards {@code peakLr},
     * reaching it at {@code warmupSteps}.
     *
     * @param step 0-based step, below {@code warmupSteps}
     * @param startLr learning rate at step 0
     * @param peakLr learning rate after warm-up
     * @param warmupSteps length of the warm-up
     * @return {@code min(peak, start + (peak - start) * step / max(warmupSteps, 1))}
     */
    static double linearWarmup(long step, double startLr, double peakLr, long warmupSteps) {
        return Math.min(peakLr, startLr + (peakLr - startLr) * step / Math.max(warmupSteps, 1));
    }
}
