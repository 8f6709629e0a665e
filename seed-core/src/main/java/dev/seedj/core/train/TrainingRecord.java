package dev.seedj.core.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one optimizer step logged.
 *
 * <p>Immutable and thread-safe.
 *
 * @param step the number of optimizer steps completed (1 for the first step)
 * @param learningRate the learning rate used by that step
 * @param gradNorm the global gradient norm before clipping
 * @param losses every loss term by name, {@value LossTerms#TOTAL} first, each averaged over the step's micro-batches
 */
public record TrainingRecord(long step, double learningRate, double gradNorm, Map<String, Double> losses) {
    /**
     * Copies the losses so that the record stays immutable.
     *
     * @param step the number of optimizer steps completed (1 for the first step)
     * @param learningRate the learning rate used by that step
     * @param gradNorm the global gradient norm before clipping
     * @param losses every loss term by name, {@value LossTerms#TOTAL} first, each averaged over the step's
     *     micro-batches
     */
    public TrainingRecord {
        losses = Collections.unmodifiableMap(new LinkedHashMap<>(losses));
    }
}
