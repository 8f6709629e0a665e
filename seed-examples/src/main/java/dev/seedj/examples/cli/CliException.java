package dev.seedj.examples.cli;

/**
 * A problem with what the user asked for (a missing file, an unreadable image, bad codes, a model that
 * lacks a part): the command-line tool prints its message as one line and exits with status 1.
 *
 * <p>Immutable and thread-safe.
 */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message the one-line explanation shown to the user */
    public CliException(String message) {
        super(message);
    }

    /**
     * @param message the one-line explanation shown to the user
     * @param cause the underlying failure
     */
    public CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
