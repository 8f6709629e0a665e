package dev.seedj.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Checks the memory rule of {@code dev.seedj.core.nn.ArrayScopes} on a whole forward pass: run once with autograd
 * off and once inside a {@code GradientCollector}, the pass releases none of its inputs, leaves no new array in the
 * manager that owns the weights, and computes the same values.
 *
 * <p>Not thread-safe; for tests.
 */
public final class ForwardMemoryRule {
    private ForwardMemoryRule() {}

    /**
     * @param weights the manager that owns the model's parameters
     * @param inputs creates the arrays the pass reads, in the call's manager
     * @param pass runs the forward pass on them (results in the given call manager) and returns the values to
     *     compare
     * @return the values of the pass without autograd
     */
    public static float[] check(NDManager weights, Function<NDManager, List<NDArray>> inputs,
            BiFunction<NDManager, List<NDArray>, float[]> pass) {
        float[] plain = run(weights, inputs, pass, false);
        float[] recorded = run(weights, inputs, pass, true);
        assertArrayEquals(plain, recorded, "the same values with and without a GradientCollector");
        return plain;
    }

    private static float[] run(NDManager weights, Function<NDManager, List<NDArray>> inputs,
            BiFunction<NDManager, List<NDArray>, float[]> pass, boolean autograd) {
        String mode = autograd ? "inside a GradientCollector" : "without autograd";
        long before = weights.getManagedArrays().size();
        float[] values;
        try (NDManager call = NDManager.newBaseManager(weights.getDevice())) {
            List<NDArray> in = inputs.apply(call);
            if (autograd) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    values = pass.apply(call, in);
                }
            } else {
                values = pass.apply(call, in);
            }
            for (int i = 0; i < in.size(); i++) {
                assertFalse(in.get(i).isReleased(), "input " + i + " was released by the pass " + mode);
            }
        }
        assertEquals(before, weights.getManagedArrays().size(), "arrays left in the weights' manager " + mode);
        return values;
    }

    /**
     * @param manager owns the result
     * @param seed the values' seed
     * @param shape the shape
     * @return N(0, 1) values, the same for the same seed on every call
     */
    public static NDArray gaussian(NDManager manager, long seed, Shape shape) {
        Random random = new Random(seed);
        float[] v = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return manager.create(v, shape);
    }
}
