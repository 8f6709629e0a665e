package dev.seedj.core.batch;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The outcome of one item of a batch call: its value, or the exception that made this item (and only this
 * item) fail. Batch methods return one per input, in input order.
 *
 * <pre>{@code
 * for (ItemResult<int[]> r : tokenizer.tokenizeFiles(files)) {
 *     if (r.isSuccess()) { use(r.value()); } else { System.err.println(r.errorMessage()); }
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe if the value is.
 *
 * @param <T> the value type
 */
public final class ItemResult<T> {
    private final T value;
    private final RuntimeException error;

    private ItemResult(T value, RuntimeException error) {
        this.value = value;
        this.error = error;
    }

    /**
     * @param value the item's result
     * @param <T> the value type
     * @return a success
     * @throws NullPointerException if the value is null
     */
    public static <T> ItemResult<T> success(T value) {
        return new ItemResult<>(Objects.requireNonNull(value, "value"), null);
    }

    /**
     * @param error why the item failed; its message is what {@link #errorMessage()} reports
     * @param <T> the value type
     * @return a failure
     * @throws NullPointerException if the error is null
     */
    public static <T> ItemResult<T> failure(RuntimeException error) {
        return new ItemResult<>(null, Objects.requireNonNull(error, "error"));
    }

    /** @return true if the item has a value */
    public boolean isSuccess() {
        return error == null;
    }

    /**
     * @return the item's value
     * @throws RuntimeException the item's own error if it failed
     */
    public T value() {
        if (error != null) {
            throw error;
        }
        return value;
    }

    /** @return the item's error, or empty for a success */
    public Optional<RuntimeException> error() {
        return Optional.ofNullable(error);
    }

    /**
     * @return the error's message (its type's name if it has none), or null for a success
     */
    public String errorMessage() {
        if (error == null) {
            return null;
        }
        String message = error.getMessage();
        return message == null || message.isBlank() ? error.getClass().getSimpleName() : message;
    }

    /**
     * @param mapper turns the value into another; an exception it throws becomes this item's failure
     * @param <R> the new value type
     * @return the mapped success, or this failure
     */
    public <R> ItemResult<R> map(Function<? super T, ? extends R> mapper) {
        if (error != null) {
            return failure(error);
        }
        try {
            return success(mapper.apply(value));
        } catch (RuntimeException e) {
            return failure(e);
        }
    }

    @Override
    public String toString() {
        return error == null ? "success(" + value + ")" : "failure(" + errorMessage() + ")";
    }
}
