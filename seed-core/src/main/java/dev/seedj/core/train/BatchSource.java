package dev.seedj.core.train;

/**
 * An endless, checkpointable stream of training batches: after {@link #seek}ing to a saved {@link #position},
 * it yields exactly the batches it yielded after that position was saved.
 *
 * <p>Implementations need not be thread-safe; the training loop calls them from one thread.
 *
 * @param <B> the batch type
 */
public interface BatchSource<B> {

    /** @return the next batch (a new epoch starts transparently) */
    B next();

    /** @return where the stream stands now */
    DataPosition position();

    /**
     * @param position a position obtained from {@link #position} of an identically configured source
     * @throws IllegalArgumentException if the position does not fit this source
     */
    void seek(DataPosition position);
}
