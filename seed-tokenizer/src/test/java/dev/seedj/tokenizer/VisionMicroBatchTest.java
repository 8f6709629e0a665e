package dev.seedj.tokenizer;

import static dev.seedj.core.testing.ForwardMemoryRule.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.nn.VitBlock;
import dev.seedj.core.testing.ForwardMemoryRule;
import dev.seedj.tokenizer.model.EvaVisionTransformer;
import dev.seedj.tokenizer.model.StageRecorder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * At inference the EVA tower runs a batch a few images at a time ({@link VitBlock#ROWS_PER_SLICE} token rows); that
 * gives the values of the whole batch in one pass and keeps the memory rule.
 */
class VisionMicroBatchTest {

    @Test
    void slicedBatchEqualsTheWholeBatch() {
        int size = 14 * 23; // 530 tokens per image: more than a slice holds, so every image is a slice of its own
        TokenizerConfig.Vision vision = new TokenizerConfig.Vision(14, 32, 2, 4, 4.3637, 1e-6f, 1e-5f);
        EvaVisionTransformer vit = new EvaVisionTransformer(size, vision);
        try (NDManager weights = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            vit.initializeParameters(weights);
            float[] sliced = ForwardMemoryRule.check(weights,
                    call -> List.of(gaussian(call, 12, new Shape(3, 3, size, size))),
                    (call, in) -> {
                        NDArray out = vit.forward(in.get(0), StageRecorder.NONE); // sliced: no recorder
                        assertEquals(new Shape(3, 23 * 23 + 1, 32), out.getShape());
                        return out.toFloatArray();
                    });
            try (NDManager call = weights.newSubManager()) {
                NDArray pixels = gaussian(call, 12, new Shape(3, 3, size, size));
                // a recorder makes the tower run the batch in one pass, as the parity tests do
                float[] whole = vit.forward(pixels, (stage, value) -> { }).toFloatArray();
                assertArrayEquals(whole, sliced, 1e-5f);
            }
        }
    }
}
