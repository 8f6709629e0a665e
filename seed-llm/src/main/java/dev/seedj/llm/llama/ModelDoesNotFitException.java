package dev.seedj.llm.llama;

/**
 * Thrown before any weight is read when a model's weights in the compute dtype, plus a reserve for the runtime,
 * exceed the memory available (the machine's physical memory or a configured limit).
 *
 * <p>Immutable and thread-safe.
 */
public final class ModelDoesNotFitException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** The bytes the model needs (weights plus the runtime reserve). */
    private final long requiredBytes;
    /** The bytes available. */
    private final long availableBytes;

    /**
     * @param message what does not fit, with both sizes
     * @param requiredBytes the bytes the model needs
     * @param availableBytes the bytes available
     */
    public ModelDoesNotFitException(String message, long requiredBytes, long availableBytes) {
        super(message);
        this.requiredBytes = requiredBytes;
        this.availableBytes = availableBytes;
    }

    /** @return the bytes the model needs (weights plus the runtime reserve) */
    public long requiredBytes() {
        return requiredBytes;
    }

    /** @return the bytes that are available */
    public long availableBytes() {
        return availableBytes;
    }
}
