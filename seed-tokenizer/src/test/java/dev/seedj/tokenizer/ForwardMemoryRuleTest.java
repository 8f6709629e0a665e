package dev.seedj.tokenizer;

import static dev.seedj.core.testing.ForwardMemoryRule.gaussian;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.testing.ForwardMemoryRule;
import dev.seedj.tokenizer.model.StageRecorder;
import dev.seedj.tokenizer.model.VisualTokenizerModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The memory rule on the tokenizer: encoding and decoding (v1 and v2), with and without a GradientCollector,
 * release none of their inputs, leave nothing in the weights' manager and give the same values; every recorded
 * stage stays readable until the call ends.
 */
class ForwardMemoryRuleTest {

    @Test
    void tokenizerForwardKeepsItsInputsAndTheWeightsManagerClean() {
        for (String caseName : List.of("v1-tiny", "v2-tiny")) {
            TokenizerConfig config = TinyModels.config(caseName);
            VisualTokenizerModel model = new VisualTokenizerModel(config);
            try (NDManager weights = NDManager.newBaseManager()) {
                Engine.getInstance().setRandomSeed(5);
                model.initializeParameters(weights);
                int s = config.imageSize();
                float[] values = ForwardMemoryRule.check(weights,
                        call -> List.of(gaussian(call, 7, new Shape(2, 3, s, s))),
                        (call, in) -> {
                            Map<String, NDArray> stages = new LinkedHashMap<>();
                            // layers free their intermediates as the pass goes on: a recorder copies what it keeps
                            NDArray embeds = model.referenceForward(in.get(0), (k, v) -> stages.put(k, v.duplicate()));
                            List<Float> out = new ArrayList<>();
                            // every recorded stage is still readable
                            stages.values().forEach(a -> out.add(a.toType(DataType.FLOAT32, false).sum().getFloat()));
                            for (float f : embeds.toFloatArray()) {
                                out.add(f);
                            }
                            float[] flat = new float[out.size()];
                            for (int i = 0; i < flat.length; i++) {
                                flat[i] = out.get(i);
                            }
                            return flat;
                        });
                assertTrue(values.length > 0, caseName);
            }
        }
    }

    @Test
    void encodeAloneKeepsItsInput() {
        TokenizerConfig config = TinyModels.config("v2-tiny");
        VisualTokenizerModel model = new VisualTokenizerModel(config);
        try (NDManager weights = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(6);
            model.initializeParameters(weights);
            int s = config.imageSize();
            ForwardMemoryRule.check(weights,
                    call -> List.of(gaussian(call, 8, new Shape(1, 3, s, s))),
                    (call, in) -> model.encode(in.get(0), StageRecorder.NONE).causalEmbeddings().toFloatArray());
        }
    }

}
