package dev.seedj.core.train;

/**
 * A position in a shuffled, endless stream of examples, saved with checkpoints.
 *
 * <p>Immutable and thread-safe.
 *
 * @param epoch the 0-based epoch (pass over the data)
 * @param offset how many examples of that epoch's order have been consumed
 */
public record DataPosition(long epoch, long offset) {
    /**
     * Checks that both numbers are non-negative.
     *
     * @param epoch the 0-based epoch (pass over the data)
     * @param offset how many examples of that epoch's order have been consumed
     */
    public DataPosition {
        if (epoch < 0 || offset < 0) {
            throw new IllegalArgumentException("data position must be non-negative, got epoch " + epoch
                    + ", offset " + offset);
        }
    }

    /** The start of the first epoch. */
    public static final DataPosition START = new DataPosition(0, 0);
}
