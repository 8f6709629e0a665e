package dev.seedj.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import java.nio.file.Path;

/** Access to {@code opt-tiny}'s expected tensors and absolute-tolerance comparisons. */
final class OptFixture implements AutoCloseable {
    static final double TOL = 1e-4;

    final Path dir = Oracle.path("opt-tiny");
    private final StateDict expected = StateDict.open(dir.resolve("expected.safetensors"));

    float[] floats(String key) {
        return expected.getFloats(key);
    }

    long[] shape(String key) {
        return expected.info(key).shape();
    }

    long[][] longs2d(String key) {
        long[] shape = shape(key);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = expected.get(key, m);
            long[] flat = a.toLongArray();
            long[][] out = new long[(int) shape[0]][(int) shape[1]];
            for (int r = 0; r < out.length; r++) {
                System.arraycopy(flat, r * out[r].length, out[r], 0, out[r].length);
            }
            return out;
        }
    }

    static int[] ints(long[] a) {
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Math.toIntExact(a[i]);
        }
        return out;
    }

    /**
     * Compares [B, T, D] arrays only at positions where the mask is 1.
     */
    static void assertAbsCloseWhereMasked(String what, float[] expected, float[] actual, long[][] mask, int dim,
            double tol) {
        assertEquals(expected.length, actual.length, what + ": element count");
        int t = mask[0].length;
        for (int b = 0; b < mask.length; b++) {
            for (int i = 0; i < t; i++) {
                if (mask[b][i] == 1) {
                    int from = (b * t + i) * dim;
                    float[] e = java.util.Arrays.copyOfRange(expected, from, from + dim);
                    float[] a = java.util.Arrays.copyOfRange(actual, from, from + dim);
                    Oracle.assertAbsClose(what + " [" + b + "," + i + "]", e, a, tol);
                }
            }
        }
    }

    @Override
    public void close() {
        expected.close();
    }
}
