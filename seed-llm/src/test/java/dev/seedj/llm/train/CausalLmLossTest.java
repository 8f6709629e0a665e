package dev.seedj.llm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.seedj.core.testing.FreedMemoryReuse;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.train.Gradients;
import dev.seedj.llm.OptModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The LM loss's gradient does not depend on what happens to freed native memory between the forward and the
 * backward pass (a Number divisor read freed memory there and turned a long run's gradients to NaN).
 */
class CausalLmLossTest {
    private static final String BIAS = "model.decoder.final_layer_norm.bias";

    private static float[] gradient(OptModel model, boolean reuseMemory) {
        NDArray bias = model.namedParameters().get(BIAS).getArray();
        Gradients.zero(bias);
        LmBatch batch = LmBatch.collate(List.of(
                LmExample.promptTarget(new long[] {2, 663, 18, 69}, new long[] {834, 802, 63, 2}),
                LmExample.promptTarget(new long[] {2, 828, 162}, new long[] {977, 389, 2})), 1);
        try (NDManager scope = NDManager.newBaseManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = CausalLmLoss.compute(model, batch, scope); // []
            if (reuseMemory) {
                FreedMemoryReuse.floodWithNaN(scope);
            }
            gc.backward(loss);
        }
        try (NDArray g = Gradients.gradientOf(bias)) {
            return g.toFloatArray();
        }
    }

    @Test
    void gradientIsExactAfterFreedMemoryIsReused() {
        try (OptModel model = OptModel.load(Oracle.path("opt-tiny"))) {
            model.namedParameters().get(BIAS).getArray().setRequiresGradient(true);
            float[] reference = gradient(model, false);
            float[] reused = gradient(model, true);
            assertArrayEquals(reference, reused);
            double norm = 0;
            for (float v : reference) {
                assertTrue(Float.isFinite(v));
                norm += v * v;
            }
            assertTrue(norm > 1e-8, "a real gradient reaches the final LayerNorm bias");
        }
    }
}
