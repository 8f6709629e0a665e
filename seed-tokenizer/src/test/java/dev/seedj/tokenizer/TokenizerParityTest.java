package dev.seedj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import dev.seedj.tokenizer.model.CausalQFormer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Acceptance 1: every intermediate stage of every oracle batch within 1e-4 (relative above 1) and the codes
 * exactly, from each weight file of both tiny cases; fp16 weights against the fp16-weight outputs.
 */
class TokenizerParityTest {
    private static final double TOLERANCE = 1e-4;
    private static final Map<String, SeedTokenizer> TOKENIZERS = new HashMap<>();
    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        TOKENIZERS.values().forEach(SeedTokenizer::close);
        manager.close();
    }

    private static SeedTokenizer tokenizer(String caseName, String weights) {
        return TOKENIZERS.computeIfAbsent(caseName + "/" + weights, k -> TinyModels.load(caseName, weights));
    }

    @ParameterizedTest(name = "{0} from {1}, batch {2}")
    @CsvSource({
        "v1-tiny, weights.pth, random",
        "v1-tiny, weights.pth, photos",
        "v1-tiny, weights.safetensors, random",
        "v1-tiny, weights.safetensors, photos",
        "v2-tiny, weights.pth, random",
        "v2-tiny, weights.pth, photos_bicubic",
        "v2-tiny, weights.pth, photos_bilinear",
        "v2-tiny, weights.safetensors, random",
        "v2-tiny, weights.safetensors, photos_bicubic",
        "v2-tiny, weights.safetensors, photos_bilinear",
    })
    void everyStageMatchesTheReference(String caseName, String weights, String batch) {
        try (NDManager m = manager.newSubManager();
                StateDict expected = StateDict.open(Oracle.path(caseName, "expected.safetensors"))) {
            NDArray input = expected.get("input." + batch, m);
            Map<String, NDArray> stages = tokenizer(caseName, weights).forwardWithIntermediates(input, m);
            Set<String> expectedStages = stagesOf(expected, batch);
            assertEquals(expectedStages, new TreeSet<>(stages.keySet()), "the pipeline's stages");
            compare(caseName + " " + batch, expected, batch, expectedStages, stages, m);
        }
    }

    @ParameterizedTest(name = "{0} fp16 weights, batch {1}")
    @CsvSource({
        "v1-tiny, random",
        "v1-tiny, photos",
        "v2-tiny, random",
        "v2-tiny, photos_bicubic",
        "v2-tiny, photos_bilinear",
    })
    void fp16WeightsMatchTheFp16Reference(String caseName, String batch) {
        try (NDManager m = manager.newSubManager();
                StateDict inputs = StateDict.open(Oracle.path(caseName, "expected.safetensors"));
                StateDict expected = StateDict.open(Oracle.path(caseName, "expected_fp16w.safetensors"))) {
            NDArray input = inputs.get("input." + batch, m);
            Map<String, NDArray> stages =
                    tokenizer(caseName, "weights_fp16.safetensors").forwardWithIntermediates(input, m);
            Set<String> expectedStages = stagesOf(expected, batch);
            assertTrue(expectedStages.contains("codes"), "the fp16 reference has codes");
            compare(caseName + " fp16 " + batch, expected, batch, expectedStages, stages, m);
        }
    }

    @Test
    void theCausalMaskIsTheReferenceMask() {
        for (String caseName : new String[] {"v1-tiny", "v2-tiny"}) {
            try (NDManager m = manager.newSubManager();
                    StateDict expected = StateDict.open(Oracle.path(caseName, "expected.safetensors"))) {
                NDArray reference = expected.get("mask.qformer_self_attn", m);
                NDArray mask = CausalQFormer.causalMask(m, 32);
                assertEquals(reference.getShape(), mask.getShape());
                // exactly the same values (the reference's kept entries are (1 - 1) * -10000 = -0.0)
                Oracle.assertClose(caseName + " causal mask", reference.toFloatArray(), mask.toFloatArray(), 0);
                // cross-attention masks nothing: the reference's mask is all zeros
                assertEquals(0f, expected.get("mask.qformer_cross_attn", m).abs().max().getFloat());
            }
        }
    }

    @Test
    void theReverseQFormerIsBidirectional() {
        try (NDManager m = manager.newSubManager();
                StateDict expected = StateDict.open(Oracle.path("v1-tiny", "expected.safetensors"))) {
            NDArray selfMask = expected.get("mask.reverse_qformer_self_attn", m);
            assertEquals(new Shape(1, 1, 1, 77), selfMask.getShape());
            assertEquals(0f, selfMask.abs().max().getFloat(), "the reference masks no reverse query");
            assertEquals(0f, expected.get("mask.reverse_qformer_cross_attn", m).abs().max().getFloat());
        }
    }

    private static Set<String> stagesOf(StateDict expected, String batch) {
        Set<String> stages = new TreeSet<>();
        for (String key : expected.keys()) {
            if (key.startsWith(batch + ".")) {
                stages.add(key.substring(batch.length() + 1));
            }
        }
        return stages;
    }

    private static void compare(String what, StateDict expected, String batch, Set<String> stageNames,
            Map<String, NDArray> stages, NDManager m) {
        for (String stage : stageNames) {
            NDArray reference = expected.get(batch + "." + stage, m);
            NDArray actual = stages.get(stage);
            assertNotNull(actual, what + ": stage " + stage + " was not produced");
            if (stage.equals("codes")) {
                Oracle.assertExactlyEquals(what + " codes", reference, actual);
            } else {
                Oracle.assertClose(what + " " + stage, reference, actual, TOLERANCE);
            }
        }
    }
}
