package dev.seedj.llm.llama;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
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
 * padded prompt position, and dynamic rope scaling once the sequence outgrows the trained length; and the models whose
 * steps stay with libtorch (bfloat16 activations, dynamic int8).
 */
class LlamaDecodeStepTest {

    @BeforeAll
    static void kernel() {
        assumeTrue(MatVec.available(), "the Java step needs the kernel (--add-modules jdk.incubator.vector)");
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
    void bfloat16AndDynamicInt8StayWithLibtorch() {
        try (LlamaModel bf16 = LlamaModel.random(config(2, false, 64, null), 5, Device.cpu(), LlmDtype.BFLOAT16)) {
            assertNull(stepAfterPrompt(bf16), "bfloat16 activations");
        }
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
