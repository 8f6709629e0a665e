package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.seedj.core.testing.FreedMemoryReuse;
import dev.seedj.core.train.Gradients;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Gradients through a scaling by a Java number stay exact even when the JVM reuses freed native memory between the
 * forward and the backward pass, as it does in a long run or in a JVM that has trained before.
 */
class GraphConstantsTest {

    /**
     * d/dw sum(op(w)) with a garbage collection and a flood of NaN-filled Java buffers between forward and
     * backward: a constant whose memory was freed would now read NaN or other garbage.
     */
    static float[] gradientUnderMemoryReuse(UnaryOperator<NDArray> op) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray w = manager.create(new float[] {1f, 2f, 3f});
            w.setRequiresGradient(true);
            try (NDManager scope = manager.newSubManager();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = op.apply(w).sum(); // []
                FreedMemoryReuse.floodWithNaN(scope);
                gc.backward(loss);
            }
            try (NDArray g = Gradients.gradientOf(w)) {
                return g.toFloatArray();
            }
        }
    }

    @Test
    void scalingKeepsItsConstantUntilBackward() {
        for (int trial = 0; trial < 3; trial++) {
            assertArrayEquals(new float[] {5f, 5f, 5f},
                    gradientUnderMemoryReuse(w -> GraphConstants.times(w, 5)));
            assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f},
                    gradientUnderMemoryReuse(w -> GraphConstants.dividedBy(w, 4)));
        }
    }

    /** The control: the memory reuse above does break DJL's own Number operand, so the test above can fail. */
    @Test
    void aNumberOperandReadsFreedMemoryInBackward() {
        float[] g = gradientUnderMemoryReuse(w -> w.mul(5f));
        assertFalse(Arrays.equals(new float[] {5f, 5f, 5f}, g),
                "DJL's x.mul(Number) now keeps its constant alive (" + Arrays.toString(g)
                        + "); GraphConstants may no longer be needed");
    }
}
