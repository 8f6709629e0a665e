package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.seedj.core.weights.Float16;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The two row kernels side by side: the native one against a double-precision sum and against the Vector API kernel,
 * the split of rows between threads leaving every row's result unchanged in both, and the native kernel's checks of
 * its arguments.
 */
class RowKernelsTest {
    /** [rows, columns]: whole cache lines and tails of every length class, four-row groups and rows left over. */
    private static final int[][] SHAPES = {{1, 5}, {6, 67}, {9, 130}, {13, 773}, {64, 2048}};

    @Test
    void theNativeKernelIsTheDefaultOnAnAvx512LinuxHost() throws IOException {
        assumeTrue(avx512Linux(), "needs Linux x86-64 with AVX-512");
        new NativeRowKernel();
        assertEquals("native (AVX-512)", MatVec.kernelName());
    }

    @Test
    void nativeProductsMatchADoubleSumAndTheVectorKernel() throws Exception {
        assumeTrue(avx512Linux(), "needs Linux x86-64 with AVX-512");
        MatVec.RowKernel nativeKernel = new NativeRowKernel();
        MatVec.RowKernel vectorKernel = vectorKernel();
        Random random = new Random(7);
        for (MatVec.Storage storage : MatVec.Storage.values()) {
            for (int[] shape : SHAPES) {
                Matrix m = Matrix.random(storage, shape[0], shape[1], random);
                float[] x = m.x(storage);
                float[] fromNative = new float[m.rows];
                nativeKernel.rows(storage, m.w, m.scales, nativeKernel.prepare(storage, x), fromNative, 0, m.rows);
                float[] fromVector = new float[m.rows];
                vectorKernel.rows(storage, m.w, m.scales, vectorKernel.prepare(storage, x), fromVector, 0, m.rows);
                double[] exact = m.exact(storage, x);
                for (int r = 0; r < m.rows; r++) {
                    String where = storage + " " + shape[0] + "x" + shape[1] + " row " + r;
                    double tolerance = 1e-5 * Math.sqrt(shape[1]) * m.rowScale(r);
                    assertEquals(exact[r], fromNative[r], tolerance, where);
                    assertEquals(fromVector[r], fromNative[r], 2 * tolerance, where);
                }
            }
        }
    }

    @Test
    void aRowsResultDoesNotDependOnHowTheRowsAreSplit() throws Exception {
        Random random = new Random(11);
        for (MatVec.RowKernel kernel : kernels()) {
            for (MatVec.Storage storage : MatVec.Storage.values()) {
                Matrix m = Matrix.random(storage, 37, 773, random);
                float[] x = kernel.prepare(storage, m.x(storage));
                float[] whole = new float[m.rows];
                kernel.rows(storage, m.w, m.scales, x, whole, 0, m.rows);
                float[] pieces = new float[m.rows];
                int[] cuts = {0, 1, 6, 19, 20, m.rows}; // groups of four, rows alone, a different row in each place
                for (int c = 0; c + 1 < cuts.length; c++) {
                    kernel.rows(storage, m.w, m.scales, x, pieces, cuts[c], cuts[c + 1]);
                }
                assertArrayEquals(whole, pieces, kernel.getClass().getSimpleName() + " " + storage);
            }
        }
    }

    @Test
    void nativeCombineEqualsTheVectorKernelsToTheBit() throws Exception {
        assumeTrue(avx512Linux(), "needs Linux x86-64 with AVX-512");
        Random random = new Random(3);
        Matrix m = Matrix.random(MatVec.Storage.FLOAT32, 11, 70, random);
        float[] c = new float[m.rows];
        for (int r = 0; r < c.length; r++) {
            c[r] = (float) random.nextGaussian();
        }
        float[] start = new float[70];
        start[3] = 1.5f;
        float[] fromNative = start.clone();
        new NativeRowKernel().combine(m.w, c, fromNative);
        float[] fromVector = start.clone();
        vectorKernel().combine(m.w, c, fromVector);
        assertArrayEquals(fromVector, fromNative); // the same fused multiply-adds in the same order
        double sum = start[5];
        for (int r = 0; r < c.length; r++) {
            sum += c[r] * (double) m.w.getFloat((r * 70 + 5) * 4);
        }
        assertEquals(sum, fromNative[5], 1e-5);
    }

    @Test
    void theNativeKernelRejectsCallsOutsideItsArrays() throws IOException {
        assumeTrue(avx512Linux(), "needs Linux x86-64 with AVX-512");
        NativeRowKernel kernel = new NativeRowKernel();
        float[] x = new float[8];
        ByteBuffer w = ByteBuffer.allocateDirect(4 * 8 * 4).order(ByteOrder.LITTLE_ENDIAN); // [4, 8] float32
        kernel.rows(MatVec.Storage.FLOAT32, w, null, x, new float[4], 0, 4);
        assertThrows(IllegalArgumentException.class,
                () -> kernel.rows(MatVec.Storage.FLOAT32, w, null, x, new float[5], 0, 5), "more rows than bytes");
        assertThrows(IllegalArgumentException.class,
                () -> kernel.rows(MatVec.Storage.FLOAT32, w, null, new float[9], new float[4], 0, 4), "wider x");
        assertThrows(IllegalArgumentException.class,
                () -> kernel.rows(MatVec.Storage.FLOAT32, w, null, x, new float[3], 0, 4), "a short result");
        assertThrows(IllegalArgumentException.class,
                () -> kernel.rows(MatVec.Storage.FLOAT32, w, null, x, new float[4], 3, 2), "rows backwards");
        assertThrows(IllegalArgumentException.class, () -> kernel.rows(MatVec.Storage.FLOAT32,
                ByteBuffer.allocate(128), null, x, new float[4], 0, 4), "a heap buffer");
        assertThrows(IllegalArgumentException.class,
                () -> kernel.rows(MatVec.Storage.INT8, w, null, x, new float[4], 0, 4), "int8 without scales");
        assertThrows(IllegalArgumentException.class,
                () -> kernel.rows(MatVec.Storage.INT8, w, new float[3], x, new float[4], 0, 4), "too few scales");
        assertThrows(IllegalArgumentException.class,
                () -> kernel.combine(w, new float[5], new float[8]), "more coefficients than rows");
    }

    /** @return whether this is Linux x86-64 and /proc/cpuinfo lists avx512f */
    private static boolean avx512Linux() throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        return "amd64".equals(System.getProperty("os.arch")) && Files.exists(cpuinfo)
                && Files.readString(cpuinfo).contains(" avx512f");
    }

    private static MatVec.RowKernel vectorKernel() throws ReflectiveOperationException {
        // by name: the class refers to the incubator module, which the test compiler does not add
        return (MatVec.RowKernel) Class.forName(MatVec.class.getPackageName() + ".VectorRowKernel")
                .getDeclaredConstructor().newInstance();
    }

    private static MatVec.RowKernel[] kernels() throws Exception {
        return avx512Linux() ? new MatVec.RowKernel[] {new NativeRowKernel(), vectorKernel()}
                : new MatVec.RowKernel[] {vectorKernel()};
    }

    /** A random matrix in a kernel's storage, its scales (int8), and exact sums for checking. */
    private record Matrix(int rows, int columns, ByteBuffer w, float[] scales) {
        static Matrix random(MatVec.Storage storage, int rows, int columns, Random random) {
            ByteBuffer w = ByteBuffer.allocateDirect(rows * columns * storage.bytes).order(ByteOrder.LITTLE_ENDIAN);
            float[] scales = storage == MatVec.Storage.INT8 ? new float[rows] : null;
            for (int i = 0; i < rows * columns; i++) {
                switch (storage) {
                    case FLOAT32 -> w.putFloat(i * 4, (float) random.nextGaussian());
                    case BFLOAT16 -> w.putShort(i * 2, Float16.bfloat16FromFloat((float) random.nextGaussian()));
                    case INT8 -> w.put(i, (byte) (random.nextInt(256) - 128));
                }
            }
            for (int r = 0; scales != null && r < rows; r++) {
                scales[r] = 0.001f + 0.01f * random.nextFloat();
            }
            return new Matrix(rows, columns, w, scales);
        }

        /** @return a random input, rounded to bfloat16 for a bfloat16 matrix (as {@link MatVec} rounds it) */
        float[] x(MatVec.Storage storage) {
            Random random = new Random(columns);
            float[] x = new float[columns];
            for (int i = 0; i < columns; i++) {
                x[i] = (float) random.nextGaussian();
                if (storage == MatVec.Storage.BFLOAT16) {
                    x[i] = Float16.bfloat16ToFloat(Float16.bfloat16FromFloat(x[i]));
                }
            }
            return x;
        }

        double[] exact(MatVec.Storage storage, float[] x) {
            double[] y = new double[rows];
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < columns; i++) {
                    y[r] += element(storage, r * columns + i) * (double) x[i];
                }
                y[r] *= scales == null ? 1 : scales[r];
            }
            return y;
        }

        /** @return the size of row {@code r}'s terms: 1 for float types, 128 times the scale for int8 */
        double rowScale(int r) {
            return scales == null ? 1 : 128 * scales[r];
        }

        private double element(MatVec.Storage storage, int i) {
            return switch (storage) {
                case FLOAT32 -> w.getFloat(i * 4);
                case BFLOAT16 -> Float16.bfloat16ToFloat(w.getShort(i * 2));
                case INT8 -> w.get(i);
            };
        }
    }
}
