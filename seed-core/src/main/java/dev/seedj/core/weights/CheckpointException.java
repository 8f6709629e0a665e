package dev.seedj.core.weights;

/**
 * A checkpoint could not be read: the file is truncated, corrupt, inconsistent, or asks for something
 * this library does not support. The message names the file, the tensor key (where one is involved) and
 * what is wrong.
 *
 * <p>Instances are immutable and therefore thread-safe.
 */
public class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, naming the file and key */
    public CheckpointException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the file and key
     * @param cause the underlying failure
     */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
