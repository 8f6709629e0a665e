package dev.seedj.core.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.seedj.core.testing.Oracle;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 3: the same weights read from a torch.save zip and from safetensors are identical; the fp16
 * copies equal the fp32 weights rounded to float16 (ties to even); OPT's {@code pytorch_model.bin} and
 * {@code model.safetensors} agree, the bin adding the tied {@code lm_head.weight}.
 */
class CheckpointEquivalenceTest {

    @ParameterizedTest
    @ValueSource(strings = {"v1-tiny", "v2-tiny"})
    void pthAndSafetensorsAreIdentical(String model) {
        try (StateDict pth = StateDict.open(Oracle.path(model, "weights.pth"));
                StateDict safetensors = StateDict.open(Oracle.path(model, "weights.safetensors"))) {
            assertTrue(pth.keys().size() > 100, "a real tokenizer state dict: " + pth.keys().size() + " keys");
            assertEquals(safetensors.keys(), pth.keys());
            assertIdentical(safetensors, pth, safetensors.keys());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1-tiny", "v2-tiny"})
    void fp16WeightsAreTheFp32WeightsRounded(String model) {
        try (StateDict fp32 = StateDict.open(Oracle.path(model, "weights.safetensors"));
                StateDict fp16 = StateDict.open(Oracle.path(model, "weights_fp16.safetensors"));
                NDManager manager = NDManager.newBaseManager()) {
            assertEquals(fp32.keys(), fp16.keys());
            int floating = 0;
            for (String key : fp32.keys()) {
                TensorInfo info = fp32.info(key);
                assertArrayEquals(info.shape(), fp16.info(key).shape(), key);
                if (!info.dtype().isFloating()) {
                    assertEquals(info, fp16.info(key), key);
                    assertArrayEquals(fp32.get(key, manager).toLongArray(), fp16.get(key, manager).toLongArray(), key);
                    continue;
                }
                floating++;
                assertEquals(DType.FLOAT16, fp16.info(key).dtype(), key);
                float[] full = fp32.getFloats(key);
                float[] rounded = new float[full.length];
                for (int i = 0; i < full.length; i++) {
                    rounded[i] = Float16.toFloat(Float16.fromFloat(full[i]));
                }
                Oracle.assertBitwiseEquals(key, rounded, fp16.getFloats(key));
                // float16 keeps 11 significant bits: relative rounding error at most 2^-11 (normal range)
                Oracle.assertClose(key, full, fp16.getFloats(key), 0x1p-11);
            }
            assertTrue(floating > 100, "floating tensors compared: " + floating);
        }
    }

    @Test
    void optBinAndSafetensorsAgree() {
        try (StateDict bin = StateDict.open(Oracle.path("opt-tiny", "pytorch_model.bin"));
                StateDict safetensors = StateDict.open(Oracle.path("opt-tiny", "model.safetensors"));
                StateDict directory = StateDict.open(Oracle.path("opt-tiny"))) {
            Set<String> extra = new HashSet<>(bin.keys());
            extra.removeAll(safetensors.keys());
            assertEquals(Set.of("lm_head.weight"), extra);
            assertTrue(bin.keys().containsAll(safetensors.keys()));
            assertIdentical(safetensors, bin, safetensors.keys());
            Oracle.assertBitwiseEquals("tied lm_head", bin.getFloats("model.decoder.embed_tokens.weight"),
                    bin.getFloats("lm_head.weight"));
            assertArrayEquals(new long[] {9194, 64}, bin.info("lm_head.weight").shape());
            // the directory prefers model.safetensors
            assertEquals(safetensors.keys(), directory.keys());
            assertFalse(directory.contains("lm_head.weight"));
        }
    }

    @Test
    void loraAdapterBinAndSafetensorsAgree() {
        try (StateDict bin = StateDict.open(Oracle.path("opt-tiny", "lora_adapter", "adapter_model.bin"));
                StateDict safetensors = StateDict.open(Oracle.path("opt-tiny", "lora_adapter",
                        "adapter_model.safetensors"));
                StateDict directory = StateDict.open(Oracle.path("opt-tiny", "lora_adapter"))) {
            assertEquals(8, bin.keys().size());
            assertEquals(safetensors.keys(), bin.keys());
            assertIdentical(safetensors, bin, bin.keys());
            assertEquals(safetensors.keys(), directory.keys());
        }
    }

    private static void assertIdentical(StateDict expected, StateDict actual, Set<String> keys) {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (String key : keys) {
                TensorInfo info = expected.info(key);
                assertEquals(info, actual.info(key), key);
                if (info.dtype().isFloating()) {
                    Oracle.assertBitwiseEquals(key, expected.getFloats(key), actual.getFloats(key));
                } else {
                    assertArrayEquals(expected.get(key, manager).toLongArray(), actual.get(key, manager).toLongArray(),
                            key);
                }
            }
        }
    }
}
