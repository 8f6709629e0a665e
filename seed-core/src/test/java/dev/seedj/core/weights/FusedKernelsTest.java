package dev.seedj.core.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.nn.GroupNorm;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LibtorchOps#groupNorm}, {@link LibtorchOps#silu} and {@link LibtorchOps#siluInPlace} against values computed
 * in Java, and their argument checks (a libtorch error could not cross the native call).
 */
class FusedKernelsTest {
    private NDManager manager;
    private final Random random = new Random(7);

    @BeforeEach
    void setUp() {
        assumeTrue(LibtorchOps.available(), "needs libtorch through JNA (Linux x86-64)");
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.close();
        }
    }

    @Test
    void groupNormMatchesTheDefinition() {
        int b = 2;
        int c = 6;
        int positions = 15; // 3 x 5
        int groups = 3;
        float[] x = gaussian(b * c * positions);
        float[] weight = gaussian(c);
        float[] bias = gaussian(c);
        double eps = 1e-6;
        NDArray y = LibtorchOps.groupNorm(manager.create(x, new Shape(b, c, 3, 5)), groups, manager.create(weight),
                manager.create(bias), eps);
        assertEquals(new Shape(b, c, 3, 5), y.getShape());
        float[] actual = y.toFloatArray();
        int perGroup = c / groups * positions;
        for (int n = 0; n < b * groups; n++) {
            double mean = 0;
            for (int i = 0; i < perGroup; i++) {
                mean += x[n * perGroup + i];
            }
            mean /= perGroup;
            double variance = 0;
            for (int i = 0; i < perGroup; i++) {
                variance += Math.pow(x[n * perGroup + i] - mean, 2);
            }
            variance /= perGroup;
            for (int i = 0; i < perGroup; i++) {
                int index = n * perGroup + i;
                int channel = (index / positions) % c;
                double expected = (x[index] - mean) / Math.sqrt(variance + eps) * weight[channel] + bias[channel];
                assertEquals(expected, actual[index], 1e-5, "element " + index);
            }
        }
    }

    @Test
    void groupNormBlockAgreesWithItsUnfusedFallback() {
        GroupNorm norm = new GroupNorm(4, 8, 1e-5f);
        norm.namedParameters().get("weight").setArray(manager.create(gaussian(8)));
        norm.namedParameters().get("bias").setArray(manager.create(gaussian(8)));
        NDArray x = manager.create(gaussian(2 * 8 * 6), new Shape(2, 8, 6));
        float[] fused = norm.forward(x).toFloatArray();
        // float64 input takes the layer-norm formulation
        float[] unfused = norm.forward(x.toType(DataType.FLOAT64, false)).toType(DataType.FLOAT32, false)
                .toFloatArray();
        assertArrayEquals(unfused, fused, 1e-5f);
    }

    @Test
    void siluIsXTimesSigmoidOfX() {
        float[] x = gaussian(1000);
        float[] expected = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            expected[i] = (float) (x[i] / (1 + Math.exp(-x[i])));
        }
        NDArray input = manager.create(x, new Shape(10, 100));
        assertArrayEquals(expected, LibtorchOps.silu(input).toFloatArray(), 1e-6f);
        assertArrayEquals(x, input.toFloatArray(), 0f, "silu leaves its input alone");
        NDArray overwritten = LibtorchOps.siluInPlace(input);
        assertSame(input, overwritten);
        assertArrayEquals(expected, input.toFloatArray(), 1e-6f);
    }

    @Test
    void badArgumentsAreRejectedBeforeTheNativeCall() {
        NDArray x = manager.create(gaussian(24), new Shape(1, 6, 4));
        NDArray six = manager.ones(new Shape(6));
        assertThrows(IllegalArgumentException.class, () -> LibtorchOps.groupNorm(x, 4, six, six, 1e-5));
        assertThrows(IllegalArgumentException.class,
                () -> LibtorchOps.groupNorm(x, 3, manager.ones(new Shape(5)), six, 1e-5));
        assertThrows(IllegalArgumentException.class,
                () -> LibtorchOps.groupNorm(x.toType(DataType.FLOAT64, false), 3, six, six, 1e-5));
        assertThrows(IllegalArgumentException.class, () -> LibtorchOps.silu(manager.create(new int[] {1, 2})));
    }

    private float[] gaussian(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
