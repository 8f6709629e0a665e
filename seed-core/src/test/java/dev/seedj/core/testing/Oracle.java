package dev.seedj.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Test access to the reference fixtures ({@code ../shared/oracle}, passed by surefire as the system property
 * {@code seedj.oracle}) and tolerance assertions shared by every module's tests.
 *
 * <p>Tolerances are relative for large values and absolute for small ones:
 * {@code |actual - expected| <= tol * max(1, |expected|)}; NaN must meet NaN.
 *
 * <p>Stateless; thread-safe.
 */
public final class Oracle {
    /** The system property naming the oracle directory. */
    public static final String PROPERTY = "seedj.oracle";

    private Oracle() {
    }

    /** @return the oracle directory (fails the test if it cannot be found) */
    public static Path root() {
        String property = System.getProperty(PROPERTY);
        Path root = property != null ? Paths.get(property) : Paths.get("..", "..", "shared", "oracle");
        if (!Files.isDirectory(root)) {
            fail("oracle directory " + root.toAbsolutePath() + " not found; set -D" + PROPERTY + "=<path>");
        }
        return root;
    }

    /**
     * @param first first path element under the oracle directory, e.g. {@code "v1-tiny"}
     * @param more further elements, e.g. {@code "weights.safetensors"}
     * @return the existing path (fails the test if it is missing)
     */
    public static Path path(String first, String... more) {
        Path path = root().resolve(Paths.get(first, more));
        if (!Files.exists(path)) {
            fail("oracle fixture " + path + " is missing");
        }
        return path;
    }

    /**
     * @param expected reference value
     * @param actual computed value
     * @return {@code |actual - expected| / max(1, |expected|)}; 0 if both are NaN, infinite if one is
     */
    public static double error(double expected, double actual) {
        if (Double.isNaN(expected) || Double.isNaN(actual)) {
            return Double.isNaN(expected) && Double.isNaN(actual) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (expected == actual) {
            return 0;
        }
        return Math.abs(actual - expected) / Math.max(1.0, Math.abs(expected));
    }

    /**
     * @param expected reference values
     * @param actual computed values
     * @return the largest {@link #error} over the elements
     */
    public static double maxError(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, "element count");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, error(expected[i], actual[i]));
        }
        return worst;
    }

    /**
     * Asserts {@code |a - e| <= tol * max(1, |e|)} element-wise.
     *
     * @param expected reference values
     * @param actual computed values
     * @param tol tolerance
     */
    public static void assertClose(float[] expected, float[] actual, double tol) {
        assertClose("values", expected, actual, tol);
    }

    /**
     * Asserts {@code |actual - expected| <= tol} element-wise (an absolute tolerance), naming the worst element.
     *
     * @param what names the compared tensor in the failure message
     * @param expected reference values
     * @param actual computed values
     * @param tol absolute tolerance
     */
    public static void assertAbsClose(String what, float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, what + ": element count");
        int worst = -1;
        double worstDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]);
            if (!(d <= worstDiff)) {
                worst = i;
                worstDiff = d;
            }
        }
        if (!(worstDiff <= tol)) {
            fail(what + ": element " + worst + " is " + actual[worst] + ", expected " + expected[worst]
                    + " (|diff| " + worstDiff + " > " + tol + ")");
        }
    }

    /**
     * Asserts {@code |a - e| <= tol * max(1, |e|)} element-wise, naming the worst element on failure.
     *
     * @param what what is compared, for the message
     * @param expected reference values
     * @param actual computed values
     * @param tol tolerance
     */
    public static void assertClose(String what, float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, what + ": element count");
        int worst = 0;
        double worstError = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = error(expected[i], actual[i]);
            if (e > worstError) {
                worst = i;
                worstError = e;
            }
        }
        if (worstError > tol) {
            fail(what + ": element " + worst + " is " + actual[worst] + ", expected " + expected[worst]
                    + " (error " + worstError + " > tolerance " + tol + ")");
        }
    }

    /**
     * Asserts equal shapes and {@code |a - e| <= tol * max(1, |e|)} element-wise (both read as float32).
     *
     * @param what what is compared, for the message
     * @param expected reference array
     * @param actual computed array
     * @param tol tolerance
     */
    public static void assertClose(String what, NDArray expected, NDArray actual, double tol) {
        assertEquals(expected.getShape(), actual.getShape(), what + ": shape");
        assertClose(what, floats(expected), floats(actual), tol);
    }

    /**
     * Asserts bit-for-bit equal float arrays (so -0.0 differs from 0.0 and NaN payloads count).
     *
     * @param what what is compared, for the message
     * @param expected reference values
     * @param actual computed values
     */
    public static void assertBitwiseEquals(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": element count");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected exactly " + expected[i]);
            }
        }
    }

    /**
     * Asserts equal shapes and exactly equal integer elements.
     *
     * @param what what is compared, for the message
     * @param expected reference array (any integer type)
     * @param actual computed array (any integer type)
     */
    public static void assertExactlyEquals(String what, NDArray expected, NDArray actual) {
        assertEquals(expected.getShape(), actual.getShape(), what + ": shape");
        assertTrue(expected.getDataType().isInteger() || expected.getDataType() == DataType.BOOLEAN,
                what + ": not an integer array");
        assertArrayEquals(expected.toType(DataType.INT64, false).toLongArray(),
                actual.toType(DataType.INT64, false).toLongArray(), what);
    }

    /** float32 elements; float16/bfloat16 arrays are refused (DJL's conversions of them are unsafe). */
    private static float[] floats(NDArray array) {
        DataType type = array.getDataType();
        if (type == DataType.FLOAT32) {
            return array.toFloatArray();
        }
        if (type == DataType.FLOAT64) {
            double[] values = array.toDoubleArray();
            float[] out = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                out[i] = (float) values[i];
            }
            return out;
        }
        if (type.isInteger()) {
            return array.toType(DataType.FLOAT32, false).toFloatArray();
        }
        throw new AssertionError("compare " + type + " arrays after converting them in Java");
    }
}
