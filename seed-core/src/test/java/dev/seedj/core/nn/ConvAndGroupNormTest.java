package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link Conv2d} and {@link GroupNorm} against hand-computed values. */
class ConvAndGroupNormTest {
    private static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    @Test
    void convolutionPadsStridesAndAddsItsBias() {
        Conv2d conv = new Conv2d(1, 1, 3, 2, 1, true);
        conv.weight().setArray(manager.ones(new Shape(1, 1, 3, 3)));
        conv.bias().setArray(manager.create(new float[] {0.5f}));
        NDArray x = manager.arange(16f).reshape(1, 1, 4, 4); // rows 0..3, 4..7, 8..11, 12..15
        NDArray y = conv.forward(x);
        assertEquals(new Shape(1, 1, 2, 2), y.getShape());
        // windows centred on (0,0), (0,2), (2,0), (2,2) with zero padding, plus the bias
        assertArrayEquals(new float[] {10.5f, 24.5f, 51.5f, 90.5f}, y.toFloatArray(), 1e-5f);
        assertEquals(new Shape(8, 4, 3, 3), Conv2d.same(4, 8, 3).declaredShapes().get("weight"));
        assertThrows(IllegalArgumentException.class, () -> Conv2d.same(4, 8, 2));
    }

    @Test
    void groupNormNormalisesEachGroupOverChannelsAndPositions() {
        GroupNorm norm = new GroupNorm(2, 4, 1e-5f);
        norm.namedParameters().get("weight").setArray(manager.create(new float[] {1, 2, 1, 1}));
        norm.namedParameters().get("bias").setArray(manager.create(new float[] {0, 0, 0, 3}));
        // group 0 = channels 0, 1 holds 0..7; group 1 = channels 2, 3 holds 8..15
        NDArray x = manager.arange(16f).reshape(1, 4, 2, 2);
        float[] y = norm.forward(x).toFloatArray();
        double mean = 3.5;
        double std = Math.sqrt(5.25 + 1e-5); // biased variance of 0..7
        for (int i = 0; i < 16; i++) {
            int channel = i / 4;
            double normalised = ((i % 8) - mean) / std;
            double expected = normalised * (channel == 1 ? 2 : 1) + (channel == 3 ? 3 : 0);
            assertEquals(expected, y[i], 1e-5, "element " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> new GroupNorm(3, 4, 1e-5f));
        assertThrows(IllegalArgumentException.class, () -> norm.forward(manager.zeros(new Shape(1, 3, 2, 2))));
    }
}
