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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The LM loss's gradient does not depend on what happens to freed native memory between the forward and the
 * backward pass (a Number divisor read freed memory there and turned a long run's gradients to NaN; token and
 * position ids freed with the forward pass's scope did the same to the embeddings' gradients, whose backward pass
 * reads the ids).
 */
class CausalLmLossTest {
    private static final String BIAS = "model.decoder.final_layer_norm.bias";
    private static final String POSITIONS = "model.decoder.embed_positions.weight";
    private static final String TOKENS = "model.decoder.embed_tokens.weight";

    private static float[] gradient(OptModel model, String parameter, boolean reuseMemory) {
        NDArray weight = model.namedParameters().get(parameter).getArray();
        Gradients.zero(weight);
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
        try (NDArray g = Gradients.gradientOf(weight)) {
            return g.toFloatArray();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {BIAS, POSITIONS, TOKENS})
    void gradientIsExactAfterFreedMemoryIsReused(String parameter) {
        try (OptModel model = OptModel.load(Oracle.path("opt-tiny"))) {
            model.namedParameters().get(parameter).getArray().setRequiresGradient(true);
            float[] reference = gradient(model, parameter, false);
            for (int run = 0; run < 3; run++) {
                assertArrayEquals(reference, gradient(model, parameter, true), parameter + ", run " + run);
            }
            double norm = 0;
            for (float v : reference) {
                assertTrue(Float.isFinite(v));
                norm += v * v;
            }
            assertTrue(norm > 1e-8, "a real gradient reaches " + parameter);
        }
    }
}
