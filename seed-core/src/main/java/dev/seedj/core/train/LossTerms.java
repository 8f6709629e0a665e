package dev.seedj.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The named scalar losses of one forward pass. Terms added with {@link #add} are summed into the {@link #total}
 * that is backpropagated (add them already weighted, e.g. {@code 5 * vq}); terms added with {@link #monitor} are
 * only logged (e.g. the unweighted {@code vq_raw}, codebook usage). Every term is logged by the training loop
 * under its name; {@value #TOTAL} is reserved for the sum.
 *
 * <p>Not thread-safe: built and read by the thread running the step.
 */
public final class LossTerms {
    /** The name under which the sum of the optimised terms is logged. */
    public static final String TOTAL = "total";

    private final Map<String, NDArray> optimized = new LinkedHashMap<>();
    private final Map<String, NDArray> monitored = new LinkedHashMap<>();

    /**
     * Adds a term to the optimised total.
     *
     * @param name unique name, e.g. {@code recon}
     * @param value a scalar ([] or one element) float32 or float64 array carrying the autograd graph
     * @return this
     * @throws IllegalArgumentException on a duplicate or reserved name or a non-scalar value
     */
    public LossTerms add(String name, NDArray value) {
        optimized.put(check(name, value), value);
        return this;
    }

    /**
     * Adds a term that is logged but not optimised.
     *
     * @param name unique name, e.g. {@code vq_raw}
     * @param value a scalar ([] or one element) float32 or float64 array
     * @return this
     * @throws IllegalArgumentException on a duplicate or reserved name or a non-scalar value
     */
    public LossTerms monitor(String name, NDArray value) {
        monitored.put(check(name, value), value);
        return this;
    }

    /** @return the optimised terms in the order added */
    public Map<String, NDArray> optimized() {
        return Collections.unmodifiableMap(optimized);
    }

    /** @return the logged-only terms in the order added */
    public Map<String, NDArray> monitored() {
        return Collections.unmodifiableMap(monitored);
    }

    /**
     * Sums the optimised terms.
     *
     * @param manager owns the sum (and, through the backward pass, the gradient seed)
     * @return the total, [] float32, on the terms' graph
     * @throws IllegalStateException if no term was added
     */
    public NDArray total(NDManager manager) {
        if (optimized.isEmpty()) {
            throw new IllegalStateException("the training step returned no optimised loss term (use add, not only"
                    + " monitor)");
        }
        NDArray sum = manager.zeros(new Shape()); // []
        for (NDArray term : optimized.values()) {
            sum = sum.add(term); // [] or [1]
        }
        return sum.reshape(new Shape());
    }

    /**
     * @return every term's current value: {@value #TOTAL} first, then the optimised terms, then the monitored
     *     ones
     */
    public Map<String, Double> values() {
        Map<String, Double> out = new LinkedHashMap<>();
        double total = 0;
        for (NDArray term : optimized.values()) {
            total += scalar(term);
        }
        out.put(TOTAL, total);
        optimized.forEach((n, v) -> out.put(n, scalar(v)));
        monitored.forEach((n, v) -> out.put(n, scalar(v)));
        return out;
    }

    private String check(String name, NDArray value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value of loss term " + name);
        if (name.isEmpty() || name.equals(TOTAL)) {
            throw new IllegalArgumentException("loss term name must be non-empty and not '" + TOTAL + "'");
        }
        if (optimized.containsKey(name) || monitored.containsKey(name)) {
            throw new IllegalArgumentException("loss term '" + name + "' was added twice");
        }
        if (value.size() != 1) {
            throw new IllegalArgumentException("loss term '" + name + "' must be a scalar, got shape "
                    + value.getShape());
        }
        if (value.getDataType() != DataType.FLOAT32 && value.getDataType() != DataType.FLOAT64) {
            throw new IllegalArgumentException("loss term '" + name + "' must be float32 or float64, got "
                    + value.getDataType());
        }
        return name;
    }

    private static double scalar(NDArray v) {
        return v.getDataType() == DataType.FLOAT64 ? v.toDoubleArray()[0] : v.toFloatArray()[0];
    }
}
