package dev.seedj.core.train;

/**
 * The hyper-parameters of {@link AdamW} apart from the learning rate (which a {@link LearningRateSchedule}
 * supplies at every step). Defaults as {@code torch.optim.AdamW} except the weight decay, whose SEED/LAVIS
 * value 0.05 is used by {@link #lavisDefaults()}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param beta1 decay of the first-moment average, in [0, 1)
 * @param beta2 decay of the second-moment average, in [0, 1)
 * @param eps added to the bias-corrected root of the second moment, &gt; 0
 * @param weightDecay decoupled weight decay of the decay group, &ge; 0 (the no-decay group uses 0)
 */
public record AdamWSettings(double beta1, double beta2, double eps, double weightDecay) {

    /**
     * Checks the ranges, naming the bad value.
     *
     * @param beta1 decay of the first-moment average, in [0, 1)
     * @param beta2 decay of the second-moment average, in [0, 1)
     * @param eps added to the bias-corrected root of the second moment, &gt; 0
     * @param weightDecay decoupled weight decay of the decay group, &ge; 0 (the no-decay group uses 0)
     */
    public AdamWSettings {
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("AdamW beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("AdamW beta2 must be in [0, 1), got " + beta2);
        }
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("AdamW eps must be a positive number, got " + eps);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("AdamW weight decay must be >= 0, got " + weightDecay);
        }
    }

    /** @return betas (0.9, 0.999), eps 1e-8, weight decay 0.05: LAVIS's runner and the oracle's settings */
    public static AdamWSettings lavisDefaults() {
        return new AdamWSettings(0.9, 0.999, 1e-8, 0.05);
    }
}
