package dev.seedj.core.train;

import ai.djl.ndarray.NDManager;

/**
 * The model-specific part of training: the forward pass and losses of one micro-batch. The training loop
 * runs it inside a {@code GradientCollector}, backpropagates the sum of the optimised terms (divided by the
 * number of accumulated micro-batches) and logs every term.
 *
 * <p>Create the batch's arrays and every intermediate result in {@code manager} (with data arrays as the first
 * operand of an operation, DJL places its result in the data's manager); the loop closes it after the backward
 * pass. Arrays created in the model's own manager would accumulate from step to step (the loop warns when that
 * happens). Randomness should come from the engine, which the loop reseeds at every step so that resumed runs
 * repeat exactly.
 *
 * <p>Implementations are called from one thread at a time.
 *
 * @param <B> the micro-batch type
 */
@FunctionalInterface
public interface TrainingStep<B> {

    /**
     * @param batch the micro-batch
     * @param manager the step's scope, closed after the backward pass
     * @return the losses; at least one optimised term
     */
    LossTerms compute(B batch, NDManager manager);
}
