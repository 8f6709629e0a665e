package dev.seedj.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;

/** Test recorder: copies every recorded activation, then compares the fixture's tensors with them. */
final class RecordedActivations implements ActivationRecorder {
    private final Map<String, float[]> values = new LinkedHashMap<>();
    private final Map<String, Shape> shapes = new LinkedHashMap<>();

    @Override
    public void record(String name, NDArray value) {
        values.put(name, value.toFloatArray());
        shapes.put(name, value.getShape());
    }

    /**
     * Compares every fixture tensor {@code prefix + name} (except those {@code skip} accepts) with the activation
     * recorded under {@code rename(name)}, within {@code tolerance(key)} (absolute, or relative above 1).
     *
     * @return how many tensors were compared
     */
    int assertMatches(StateDict expected, String prefix, UnaryOperator<String> rename, Predicate<String> skip,
            ToDoubleFunction<String> tolerance, NDManager m) {
        int compared = 0;
        for (String key : expected.keys()) {
            if (!key.startsWith(prefix) || skip.test(key)) {
                continue;
            }
            String name = rename.apply(key.substring(prefix.length()));
            float[] actual = values.get(name);
            assertNotNull(actual, key + " was not recorded (as '" + name + "'); recorded: " + values.keySet());
            NDArray reference = expected.get(key, m);
            assertEquals(reference.getShape(), shapes.get(name), key + ": shape");
            Oracle.assertClose(key, reference.toFloatArray(), actual, tolerance.applyAsDouble(key));
            compared++;
        }
        assertTrue(compared > 0, "no tensor under " + prefix);
        return compared;
    }
}
