package dev.seedj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.ComputeType;
import dev.seedj.core.weights.StateDict;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 3: the v1-tiny tokenizer in bfloat16 gives the float32 codes for the fixture's photos batch (3 photos x
 * 32 codes) at all positions but at most one, and its outputs are float32.
 */
class Bfloat16TokenizerTest {

    @Test
    void bfloat16CodesAgreeWithFloat32OnThePhotos() {
        TokenizerConfig config = TinyModels.config("v1-tiny");
        try (StateDict weights = StateDict.open(Oracle.path("v1-tiny", "weights.safetensors"));
                StateDict expected = StateDict.open(Oracle.path("v1-tiny", "expected.safetensors"));
                SeedTokenizer fp32 = SeedTokenizer.load(config, weights, Device.cpu());
                SeedTokenizer bf16 = SeedTokenizer.load(config, weights, Device.cpu(), ComputeType.BFLOAT16);
                NDManager manager = NDManager.newBaseManager()) {
            NDArray pixels = expected.get("input.photos", manager);
            long[] reference;
            long[] codes;
            try (Encoding a = fp32.encode(pixels); Encoding b = bf16.encode(pixels)) {
                reference = a.codes().toLongArray();
                codes = b.codes().toLongArray();
                assertEquals(DataType.FLOAT32, b.causalEmbeddings().getDataType());
                assertEquals(DataType.FLOAT32, b.quantized().getDataType());
            }
            int same = 0;
            for (int i = 0; i < codes.length; i++) {
                same += codes[i] == reference[i] ? 1 : 0;
            }
            double agreement = same / (double) codes.length;
            System.out.printf("[Bfloat16TokenizerTest] bfloat16 codes equal float32's at %d of %d positions (%.1f%%)%n",
                    same, codes.length, 100 * agreement);
            // measured: 95 of 96 (98.96%; 99% of 96 positions would need all 96); all-bfloat16 including the
            // codebook side gave 94 of 96
            assertTrue(same >= codes.length - 1, same + " of " + codes.length);
            NDArray embeds = bf16.detokenize(bf16.encode(pixels).codes(), manager);
            assertEquals(DataType.FLOAT32, embeds.getDataType());
            assertThrows(UnsupportedOperationException.class, () -> bf16.forwardWithIntermediates(pixels, manager));
        }
    }
}
