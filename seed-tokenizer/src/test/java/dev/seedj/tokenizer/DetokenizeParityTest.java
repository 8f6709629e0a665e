package dev.seedj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Acceptance 2: detokenize of the reference codes gives the reference's generation embeddings (v1
 * {@code generation_embeds}, decoded in the reference from the quantizer output, which differs from the
 * codebook rows by ~1e-7) and v2's {@code entry.image_embeds}.
 */
class DetokenizeParityTest {
    private static final double TOLERANCE = 1e-4;
    private static SeedTokenizer v1;
    private static SeedTokenizer v2;
    private static NDManager manager;

    @BeforeAll
    static void load() {
        v1 = TinyModels.load("v1-tiny", "weights.safetensors");
        v2 = TinyModels.load("v2-tiny", "weights.pth");
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        v1.close();
        v2.close();
        manager.close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "v1-tiny, random, generation_embeds",
        "v1-tiny, photos, generation_embeds",
        "v2-tiny, random, entry.image_embeds",
        "v2-tiny, photos_bicubic, entry.image_embeds",
        "v2-tiny, photos_bilinear, entry.image_embeds",
    })
    void detokenizeGivesTheReferenceEmbeddings(String caseName, String batch, String stage) {
        SeedTokenizer tokenizer = caseName.startsWith("v1") ? v1 : v2;
        int[][] codes = OracleCodes.codes(caseName, batch);
        try (NDManager m = manager.newSubManager();
                StateDict expected = StateDict.open(Oracle.path(caseName, "expected.safetensors"))) {
            float[] reference = expected.get(batch + "." + stage, m).toFloatArray();
            int n = tokenizer.config().numGenerationTokens();
            int d = tokenizer.config().generationDim();
            assertEquals(codes.length * n * d, reference.length, "reference size");
            // one image at a time, as Java arrays
            for (int b = 0; b < codes.length; b++) {
                float[][] embeds = tokenizer.detokenize(codes[b]);
                assertEquals(n, embeds.length);
                for (int t = 0; t < n; t++) {
                    float[] row = new float[d];
                    System.arraycopy(reference, (b * n + t) * d, row, 0, d);
                    Oracle.assertClose(caseName + " " + batch + " image " + b + " token " + t, row, embeds[t],
                            TOLERANCE);
                }
            }
            // the whole batch as an array, attached to the caller's manager
            long[] flat = new long[codes.length * codes[0].length];
            for (int b = 0; b < codes.length; b++) {
                System.arraycopy(toLongs(codes[b]), 0, flat, b * codes[b].length, codes[b].length);
            }
            NDArray batchCodes = m.create(flat, new Shape(codes.length, codes[0].length));
            NDArray embeds = tokenizer.detokenize(batchCodes, m);
            assertEquals(new Shape(codes.length, n, d), embeds.getShape());
            assertEquals(m, embeds.getManager(), "the result belongs to the caller's manager");
            Oracle.assertClose(caseName + " " + batch + " batch", reference, embeds.toFloatArray(), TOLERANCE);
            NDArray intCodes = batchCodes.toType(ai.djl.ndarray.types.DataType.INT32, false);
            Oracle.assertClose(caseName + " " + batch + " int32 codes", reference,
                    tokenizer.detokenize(intCodes, m).toFloatArray(), TOLERANCE);
        }
    }

    private static long[] toLongs(int[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
