package dev.seedj.core.train;

/**
 * Linear warm-up, then a constant learning rate, as LAVIS's {@code ConstantLRScheduler}. With no warm-up steps
 * the rate is constant from the first step.
 *
 * <p>Immutable and thread-safe.
 *
 * @param lr learning rate after warm-up
 * @param warmupStartLr learning rate at step 0
 * @param warmupSteps warm-up length in optimizer steps (0: none)
 */
public record WarmupConstantSchedule(double lr, double warmupStartLr, long warmupSteps)
        implements LearningRateSchedule {

    /**
     * Checks the ranges, naming the bad value.
     *
     * @param lr learning rate after warm-up
     * @param warmupStartLr learning rate at step 0
     * @param warmupSteps warm-up length in optimizer steps (0: none)
     */
    public WarmupConstantSchedule {
        checkWarmup(lr, warmupStartLr, warmupSteps);
    }

    /**
     * @param lr the constant learning rate
     * @return a schedule without warm-up
     */
    public static WarmupConstantSchedule constant(double lr) {
        return new WarmupConstantSchedule(lr, lr, 0);
    }

    @Override
    public double learningRate(long step) {
        return step < warmupSteps ? LearningRateSchedule.linearWarmup(step, warmupStartLr, lr, warmupSteps) : lr;
    }

    static void checkWarmup(double peakLr, double warmupStartLr, long warmupSteps) {
        if (!(peakLr > 0) || Double.isInfinite(peakLr)) {
            throw new IllegalArgumentException("learning rate must be a positive number, got " + peakLr);
        }
        if (!(warmupStartLr >= 0) || Double.isInfinite(warmupStartLr)) {
            throw new IllegalArgumentException("warm-up start learning rate must be >= 0, got " + warmupStartLr);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmupSteps);
        }
    }
}
