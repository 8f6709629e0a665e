package dev.seedj.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class GradientsTest {

    private static void backwardOfSumTimes(NDManager manager, NDArray w, float factor) {
        try (NDManager scope = manager.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(scope.create(new float[] {factor, factor}).mul(w).sum());
        }
    }

    @Test
    void gradientsAccumulateOverBackwardPassesUntilZeroed() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray w = manager.create(new float[] {1f, 2f});
            assertThrows(IllegalArgumentException.class, () -> Gradients.gradientOf(w));
            w.setRequiresGradient(true);
            assertNull(Gradients.gradientOf(w)); // no backward yet: absent, not zeros
            Gradients.zero(w); // zeroing an absent gradient leaves it absent
            assertNull(Gradients.gradientOf(w));
            backwardOfSumTimes(manager, w, 1f);
            backwardOfSumTimes(manager, w, 2f); // a second collector adds to the first
            try (NDArray g = Gradients.gradientOf(w)) {
                assertArrayEquals(new float[] {3f, 3f}, g.toFloatArray());
            }
            Gradients.zero(w);
            try (NDArray g = Gradients.gradientOf(w)) {
                assertArrayEquals(new float[] {0f, 0f}, g.toFloatArray());
            }
            int before = manager.getManagedArrays().size();
            Gradients.gradientOf(w).close(); // closed handles do not pile up in the manager
            assertEquals(before, manager.getManagedArrays().size());
        }
    }

    @Test
    void withoutGradTurnsRecordingOffAndRestoresIt() {
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try {
            assertEquals(false, Gradients.withoutGrad(JniUtils::isGradMode));
            assertEquals(true, JniUtils.isGradMode());
        } finally {
            JniUtils.setGradMode(before);
        }
    }
}
