package dev.seedj.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientClippingTest {

    @Test
    void clipsToTheMaximumGlobalNorm() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(new float[] {3f, 0f, -4f, 0f}, new Shape(2, 2)); // ||a|| = 5
            NDArray b = manager.create(new float[] {12f}); // ||b|| = 12
            double norm = GradientClipping.clipGlobalNorm(List.of(a, b), 6.5);
            assertEquals(13.0, norm, 1e-6); // sqrt(5^2 + 12^2)
            double coef = 6.5 / (13.0 + 1e-6);
            assertEquals(3 * coef, a.toFloatArray()[0], 1e-6);
            assertEquals(-4 * coef, a.toFloatArray()[2], 1e-6);
            assertEquals(12 * coef, b.toFloatArray()[0], 1e-6);
            assertEquals(6.5, GradientClipping.globalNorm(List.of(a, b)), 1e-5);
        }
    }

    @Test
    void leavesGradientsBelowTheLimitUnchanged() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] values = {0.1f, -0.2f, 0.3f};
            NDArray a = manager.create(values);
            double norm = GradientClipping.clipGlobalNorm(List.of(a), 1.0);
            assertEquals(Math.sqrt(0.01 + 0.04 + 0.09), norm, 1e-6);
            org.junit.jupiter.api.Assertions.assertArrayEquals(values, a.toFloatArray(), 0f);
            assertEquals(0.0, GradientClipping.globalNorm(List.of()));
            assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipGlobalNorm(List.of(a), 0));
        }
    }
}
