package dev.seedj.llm.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.nn.DecodeThreads;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.MatVec;
import dev.seedj.core.weights.LibtorchOps;
import dev.seedj.llm.JavaDecodeSteps;
import dev.seedj.llm.LlmDtype;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link LlamaDecodeStep}, LLaMA's decoding step in Java, against libtorch's forward pass of the same steps
 * ({@link JavaDecodeSteps}): multi-head and grouped-query attention, tied and separate heads, weight-only int8, a
 * padded prompt position, dynamic rope scaling once the sequence outgrows the trained length, and bfloat16 models
 * (their cache widened for the Java steps and narrowed back for a libtorch step); and the models whose steps stay
 * with libtorch (dynamic int8).
 */
class LlamaDecodeStepTest {

    /**
     * The largest logit difference allowed between bfloat16 steps in Java and libtorch's: both round each product's
     * input to bfloat16, libtorch also every other activation and its logits (steps of 2^-7 near 1); measured 0.025
     * over 25 steps; a wrong step differs by whole logits.
     */
    private static final double BFLOAT16_TOLERANCE = 0.05;

    @BeforeAll
    static void kernel() {
        assumeTrue(MatVec.available(), "the Java step needs a MatVec kernel");
    }

    private static LlamaConfig config(int kvHeads, boolean tied, int maxPositions, String ropeScaling) {
        return LlamaConfig.parse("{\"hidden_size\": 64, \"intermediate_size\": 96, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 4, \"num_key_value_heads\": " + kvHeads + ", \"rms_norm_eps\": 1e-5,"
                + " \"max_position_embeddings\": " + maxPositions + ", \"vocab_size\": 60, \"tie_word_embeddings\": "
                + tied + ", \"rope_theta\": 5000.0" + (ropeScaling == null ? "" : ", \"rope_scaling\": " + ropeScaling)
                + "}");
    }

    @Test
    void multiHeadFloat32() {
        try (LlamaModel model = LlamaModel.random(config(4, false, 64, null), 1, Device.cpu())) {
            assertSameSteps(model, null, 2e-5);
        }
    }

    @Test
    void groupedQueryTiedAndPadded() {
        try (LlamaModel model = LlamaModel.random(config(2, true, 64, null), 2, Device.cpu())) {
            assertSameSteps(model, new long[] {0, 1, 1, 1, 1}, 2e-5);
        }
    }

    @Test
    void dynamicRopeScalingPastTheTrainedLength() {
        // 16 trained positions: the base grows from the 12th step on, for every cached key as in transformers 4.31
        String dynamic = "{\"type\": \"dynamic\", \"factor\": 2.0}";
        try (LlamaModel model = LlamaModel.random(config(2, false, 16, dynamic), 3, Device.cpu())) {
            assertSameSteps(model, null, 2e-5);
        }
    }

    @Test
    void weightOnlyInt8() {
        try (LlamaModel model = LlamaModel.random(config(2, false, 64, null), 4, Device.cpu(), LlmDtype.INT8)) {
            assertSameSteps(model, null, 2e-5);
        }
    }

    @Test
    void bfloat16() {
        try (LlamaModel model = LlamaModel.random(config(2, false, 64, null), 5, Device.cpu(), LlmDtype.BFLOAT16)) {
            // libtorch's steps round every activation to bfloat16, the Java step only each product's input
            assertSameSteps(model, null, BFLOAT16_TOLERANCE);
        }
    }

    @Test
    void aLibtorchStepAfterJavaStepsOfABfloat16Model() {
        try (LlamaModel model = LlamaModel.random(config(2, false, 64, null), 8, Device.cpu(), LlmDtype.BFLOAT16)) {
            float[] mixed = twoTokensAfterTwoSteps(model);
            System.setProperty(DecodeThreads.STEP_PROPERTY, "libtorch");
            float[] libtorch;
            try {
                libtorch = twoTokensAfterTwoSteps(model);
            } finally {
                System.clearProperty(DecodeThreads.STEP_PROPERTY);
            }
            for (int i = 0; i < libtorch.length; i++) {
                assertEquals(libtorch[i], mixed[i], BFLOAT16_TOLERANCE, "logit " + i);
            }
        }
    }

    @Test
    void dynamicInt8StaysWithLibtorch() {
        if (LibtorchOps.fbgemmAvailable()) {
            try (LlamaModel dynamic = LlamaModel.random(config(2, false, 64, null), 6, Device.cpu(),
                    LlmDtype.INT8_DYNAMIC)) {
                assertNull(stepAfterPrompt(dynamic), "fbgemm's dynamic int8 products");
            }
        }
        try (LlamaModel plain = LlamaModel.random(config(2, false, 64, null), 7, Device.cpu())) {
            assertNotNull(stepAfterPrompt(plain));
        }
    }

    /**
     * @return the logits of a two-token step (libtorch's forward pass) after the prompt and two one-token steps (Java
     *     steps unless {@code -Dseedj.decode.step=libtorch}), with the cache checked to hold bfloat16 rows again
     */
    private static float[] twoTokensAfterTwoSteps(LlamaModel model) {
        try (NDManager m = NDManager.newBaseManager(); KvCache cache = model.newCache(m)) {
            model.nextLogits(new long[][] {JavaDecodeSteps.PROMPT}, null, cache, m).close();
            model.nextLogits(new long[][] {{9}}, null, cache, m).close();
            model.nextLogits(new long[][] {{4}}, null, cache, m).close();
            assertEquals(DecodeThreads.javaSteps(), !LibtorchOps.isBfloat16(cache.keys(0)), "Java steps widened it");
            try (NDArray logits = model.nextLogits(new long[][] {{11, 3}}, null, cache, m)) {
                assertTrue(LibtorchOps.isBfloat16(cache.keys(0)), "the cache narrowed back for libtorch's step");
                assertEquals(JavaDecodeSteps.PROMPT.length + 4, cache.length());
                return logits.toFloatArray();
            }
        }
    }

    private static LlamaDecodeStep stepAfterPrompt(LlamaModel model) {
        try (NDManager m = NDManager.newBaseManager(); KvCache cache = model.newCache(m)) {
            model.nextLogits(new long[][] {JavaDecodeSteps.PROMPT}, null, cache, m).close();
            return prepare(model, cache);
        }
    }

    private static LlamaDecodeStep prepare(LlamaModel model, KvCache cache) {
        LlamaInputs in = LlamaInputs.of(new long[][] {{9}}, null, null, Math.toIntExact(cache.length()),
                model.vocabSize());
        return model.decodeStep(in, cache);
    }

    private static void assertSameSteps(LlamaModel model, long[] promptMask, double tolerance) {
        JavaDecodeSteps.assertSameSteps(model, promptMask, cache -> prepare(model, cache) != null, tolerance);
    }
}
