package dev.seedj.core.train;

/**
 * Linear warm-up, then cosine decay from the peak to a minimum learning rate, as LAVIS's
 * {@code LinearWarmupCosineLRScheduler} (which SEED's training uses) but decaying per optimizer step over the
 * run instead of per epoch: after warm-up, {@code lr = min + (peak - min) * (1 + cos(pi * progress)) / 2} with
 * {@code progress = (step - warmupSteps) / (totalSteps - warmupSteps)}, clamped to [0, 1].
 *
 * <p>Immutable and thread-safe.
 *
 * @param peakLr learning rate at the end of warm-up ({@code init_lr})
 * @param minLr learning rate at the last step ({@code min_lr})
 * @param warmupStartLr learning rate at step 0 ({@code warmup_lr})
 * @param warmupSteps warm-up length in optimizer steps (0: no warm-up)
 * @param totalSteps the run's length in optimizer steps
 */
public record WarmupCosineSchedule(double peakLr, double minLr, double warmupStartLr, long warmupSteps,
        long totalSteps) implements LearningRateSchedule {

    /**
     * Checks the ranges, naming the bad value.
     *
     * @param peakLr learning rate at the end of warm-up ({@code init_lr})
     * @param minLr learning rate at the last step ({@code min_lr})
     * @param warmupStartLr learning rate at step 0 ({@code warmup_lr})
     * @param warmupSteps warm-up length in optimizer steps (0: no warm-up)
     * @param totalSteps the run's length in optimizer steps
     */
    public WarmupCosineSchedule {
        WarmupConstantSchedule.checkWarmup(peakLr, warmupStartLr, warmupSteps);
        if (!(minLr >= 0 && minLr <= peakLr)) {
            throw new IllegalArgumentException("min learning rate must be in [0, peak " + peakLr + "], got " + minLr);
        }
        if (totalSteps < 1 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("total steps must be >= 1 and >= warm-up steps (" + warmupSteps
                    + "), got " + totalSteps);
        }
    }

    @Override
    public double learningRate(long step) {
        if (step < warmupSteps) {
            return LearningRateSchedule.linearWarmup(step, warmupStartLr, peakLr, warmupSteps);
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        progress = Math.min(1.0, progress);
        return minLr + (peakLr - minLr) * 0.5 * (1.0 + Math.cos(Math.PI * progress));
    }
}
