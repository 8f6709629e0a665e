package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.weights.LibtorchOps;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fused attention against the plain {@code softmax(q k^T * scale + mask) v} of {@link AttentionMath}: same values
 * for self- and cross-attention, several scales (the scale crosses the native call on the stack), masks of every
 * broadcast rank, and the fallback for inputs the kernel does not take.
 */
class ScaledDotProductAttentionTest {
    private static final float TOLERANCE = 2e-5f;
    private NDManager manager;
    private final Random random = new Random(13);

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void fusedAttentionEqualsThePlainFormula() {
        assumeTrue(ScaledDotProductAttention.available(), "needs libtorch through JNA (Linux x86-64)");
        // self-attention longer than the kernel's query and key blocks, and cross-attention with fewer keys
        long[][] shapes = {{2, 3, 37, 8, 37}, {1, 2, 300, 40, 600}, {2, 8, 64, 40, 77}};
        for (long[] s : shapes) {
            NDArray q = normal(s[0], s[1], s[2], s[3]);
            NDArray k = normal(s[0], s[1], s[4], s[3]);
            NDArray v = normal(s[0], s[1], s[4], s[3]);
            for (float scale : new float[] {(float) Math.pow(s[3], -0.5), 0.3f, 2f}) {
                assertTrue(ScaledDotProductAttention.fusable(q, k, v, null));
                NDArray fused = ScaledDotProductAttention.attend(q, k, v, null, scale);
                NDArray plain = AttentionMath.attend(q, k, v, null, scale);
                assertEquals(plain.getShape(), fused.getShape());
                assertArrayEquals(plain.toFloatArray(), fused.toFloatArray(), TOLERANCE,
                        "shape " + q.getShape() + " x " + k.getShape() + ", scale " + scale);
            }
        }
    }

    @Test
    void scalesReachTheKernel() {
        assumeTrue(ScaledDotProductAttention.available(), "needs libtorch through JNA (Linux x86-64)");
        NDArray q = normal(1, 2, 9, 8);
        NDArray k = normal(1, 2, 11, 8);
        NDArray v = normal(1, 2, 11, 8);
        float[] a = ScaledDotProductAttention.attend(q, k, v, null, 0.1f).toFloatArray();
        float[] b = ScaledDotProductAttention.attend(q, k, v, null, 3f).toFloatArray();
        double difference = 0;
        for (int i = 0; i < a.length; i++) {
            difference = Math.max(difference, Math.abs(a[i] - b[i]));
        }
        assertTrue(difference > 0.1, "the scale must change the result, max difference " + difference);
    }

    @Test
    void masksOfEveryBroadcastRankAreAdded() {
        assumeTrue(ScaledDotProductAttention.available(), "needs libtorch through JNA (Linux x86-64)");
        long b = 2;
        long h = 3;
        long tq = 19;
        long tk = 23;
        NDArray q = normal(b, h, tq, 16);
        NDArray k = normal(b, h, tk, 16);
        NDArray v = normal(b, h, tk, 16);
        Shape[] maskShapes = {new Shape(b, h, tq, tk), new Shape(b, 1, tq, tk), new Shape(b, 1, 1, tk),
            new Shape(tq, tk), new Shape(tk)};
        for (Shape maskShape : maskShapes) {
            NDArray mask = mask(maskShape);
            assertTrue(ScaledDotProductAttention.fusable(q, k, v, mask), maskShape.toString());
            NDArray fused = ScaledDotProductAttention.attend(q, k, v, mask, 0.25f);
            NDArray plain = AttentionMath.attend(q, k, v, mask, 0.25f);
            assertArrayEquals(plain.toFloatArray(), fused.toFloatArray(), TOLERANCE, "mask " + maskShape);
        }
    }

    @Test
    void inputsTheKernelDoesNotTakeUseThePlainPath() {
        NDArray q = normal(1, 2, 5, 4);
        NDArray k = normal(1, 2, 6, 4);
        NDArray v = normal(1, 2, 6, 4);
        NDArray q64 = q.toType(DataType.FLOAT64, false);
        assertFalse(ScaledDotProductAttention.fusable(q64, k.toType(DataType.FLOAT64, false),
                v.toType(DataType.FLOAT64, false), null));
        NDArray viaFallback = ScaledDotProductAttention.attend(q64, k.toType(DataType.FLOAT64, false),
                v.toType(DataType.FLOAT64, false), null, 0.5f);
        assertArrayEquals(AttentionMath.attend(q, k, v, null, 0.5f).toFloatArray(),
                viaFallback.toType(DataType.FLOAT32, false).toFloatArray(), 1e-5f);
        assertFalse(ScaledDotProductAttention.fusable(q, normal(1, 2, 6, 3), v, null), "key width differs");
        assertFalse(ScaledDotProductAttention.fusable(q, k, v, mask(new Shape(5, 7))), "mask does not broadcast");
        assertFalse(ScaledDotProductAttention.fusable(q.reshape(2, 5, 4), k, v, null), "rank 3");
    }

    @Test
    void theNativeEntryRejectsBadShapesBeforeCallingLibtorch() {
        assumeTrue(LibtorchOps.available(), "needs libtorch through JNA (Linux x86-64)");
        NDArray q = normal(1, 2, 5, 4);
        NDArray k = normal(1, 2, 6, 4);
        assertThrows(IllegalArgumentException.class,
                () -> LibtorchOps.scaledDotProductAttention(q, k, normal(1, 2, 7, 4), null, 0.5));
        assertThrows(IllegalArgumentException.class,
                () -> LibtorchOps.scaledDotProductAttention(q, k, k, mask(new Shape(6)), 0.5));
        assertThrows(IllegalArgumentException.class,
                () -> LibtorchOps.scaledDotProductAttention(q, k, k, null, Double.NaN));
    }

    private NDArray normal(long... shape) {
        float[] values = new float[(int) new Shape(shape).size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, new Shape(shape));
    }

    /** Random additive values with about a quarter of the entries removed (-1e9), never a whole row. */
    private NDArray mask(Shape shape) {
        float[] values = new float[(int) shape.size()];
        long row = shape.get(shape.dimension() - 1);
        for (int i = 0; i < values.length; i++) {
            boolean removed = i % row != 0 && random.nextInt(4) == 0;
            values[i] = removed ? -1e9f : (float) random.nextGaussian();
        }
        return manager.create(values, shape);
    }
}
