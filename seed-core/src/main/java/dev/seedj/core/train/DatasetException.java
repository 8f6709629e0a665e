package dev.seedj.core.train;

/**
 * A training dataset is missing, malformed or unreadable; the message names the file (and line or entry).
 *
 * <p>Immutable and thread-safe.
 */
public class DatasetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong and where */
    public DatasetException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong and where
     * @param cause the underlying error
     */
    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
