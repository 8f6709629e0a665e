package dev.seedj.diffusion.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.StateDict;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 1 (text encoder): clip-text-tiny's quick_gelu (SD v1) and gelu (SD 2) variants from the Hugging Face,
 * CompVis SD v1 and OpenCLIP SD 2 key layouts: every hidden state, {@code last_hidden_state}, the pooled output and
 * SD 2's penultimate layer.
 */
class ClipTextModelOracleTest {
    /** clip-text-tiny's fp64 guide is about 2e-6 on values up to ~5. */
    private static final double TOL = 1e-5;

    @ParameterizedTest
    @CsvSource({"quick_gelu, text_encoder/model.safetensors", "quick_gelu, text_encoder/pytorch_model.bin",
            "quick_gelu, sd_v1_cond_stage.ckpt", "gelu, text_encoder/model.safetensors",
            "gelu, sd2_openclip_cond_stage.ckpt"})
    void everyOutputMatchesFromEveryLayout(String variant, String file) {
        Path dir = Oracle.path("clip-text-tiny", variant);
        ClipTextConfig config = ClipTextConfig.fromJson(dir.resolve("text_encoder/config.json")).withVocabSize(1000);
        assertEquals(variant.equals("gelu") ? ClipActivation.GELU : ClipActivation.QUICK_GELU, config.activation());
        try (StateDict expected = StateDict.open(dir.resolve("expected.safetensors"));
                StateDict weights = StateDict.open(dir.resolve(file));
                ClipTextModel model = ClipTextModel.load(config, weights, Engine.getInstance().defaultDevice());
                NDManager m = NDManager.newBaseManager()) {
            for (String batch : List.of("out", "text")) {
                NDArray ids = expected.get(batch.equals("out") ? "in.input_ids" : "in.text_input_ids", m);
                ClipTextOutput out = model.encode(ids, m);
                String p = batch + ".";
                if (batch.equals("out")) {
                    for (int i = 0; i < out.hiddenStates().size(); i++) {
                        Oracle.assertClose(p + "hidden_states." + i, expected.get(p + "hidden_states." + i, m),
                                out.hiddenStates().get(i), TOL);
                    }
                }
                Oracle.assertClose(p + "last_hidden_state", expected.get(p + "last_hidden_state", m),
                        out.lastHiddenState(), TOL);
                Oracle.assertClose(p + "penultimate", expected.get(p + "penultimate_final_layer_norm", m),
                        out.penultimate(), TOL);
                Oracle.assertClose(p + "pooler_output", expected.get(p + "pooler_output", m), out.pooledOutput(), TOL);
                assertArrayEquals(expected.get(p + "eos_index", m).toLongArray(), out.eosIndex(), p + "eos_index");
                Oracle.assertClose(p + "encode(LAST)", expected.get(p + "last_hidden_state", m),
                        model.encode(ids, ClipLayer.LAST, m), TOL);
                Oracle.assertClose(p + "encode(PENULTIMATE)", expected.get(p + "penultimate_final_layer_norm", m),
                        model.encode(ids, ClipLayer.PENULTIMATE, m), TOL);
            }
        }
    }

    @Test
    void diffusersSd2TextEncoderIsThePenultimateLayer() {
        Path dir = Oracle.path("clip-text-tiny", "gelu");
        try (StateDict expected = StateDict.open(dir.resolve("expected.safetensors"));
                ClipTextModel cut = ClipTextModel.load(dir.resolve("text_encoder_penultimate"));
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(1, cut.config().numLayers());
            Oracle.assertClose("penultimate", expected.get("out.penultimate_final_layer_norm", m),
                    cut.encode(expected.get("in.input_ids", m), ClipLayer.LAST, m), TOL);
        }
    }

    @ParameterizedTest
    @CsvSource({"quick_gelu, 999", "gelu, 0"})
    void tokenizerGivesTheRecordedTextInputIds(String variant, int pad) throws Exception {
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(Oracle.path("clip-text-tiny", "tokenizer"));
        List<String> texts = List.of("a photo of a cat", "A photo of a cat", "a photograph of an astronaut riding a horse",
                "a painting of a fox sitting in a field at sunrise, trending on artstation");
        try (StateDict expected = StateDict.open(Oracle.path("clip-text-tiny", variant, "expected.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            long[] recorded = expected.get("in.text_input_ids", m).toLongArray();
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(java.util.Arrays.copyOfRange(recorded, i * 77, (i + 1) * 77),
                        tokenizer.inputIds(texts.get(i), pad), texts.get(i));
            }
        }
    }

    @Test
    void badWeightsAndIdsAreClearErrors() {
        Path dir = Oracle.path("clip-text-tiny", "quick_gelu");
        ClipTextConfig config = ClipTextConfig.fromJson(dir.resolve("text_encoder/config.json")).withVocabSize(1000);
        try (StateDict weights = StateDict.open(dir.resolve("text_encoder/model.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            CheckpointException wrongShape = assertThrows(CheckpointException.class,
                    () -> ClipTextModel.load(config.withNumLayers(3), weights, m.getDevice()));
            assertTrue(wrongShape.getMessage().contains("lacks"), wrongShape.getMessage());
            ClipTextConfig wider = new ClipTextConfig(1000, 128, 2, 4, 128, 77, 1e-5f, ClipActivation.QUICK_GELU);
            assertThrows(CheckpointException.class, () -> ClipTextModel.load(wider, weights, m.getDevice()));
            CheckpointException none = assertThrows(CheckpointException.class, () -> ClipTextModel.load(config,
                    weights.filter(k -> !k.contains("token_embedding")), m.getDevice()));
            assertTrue(none.getMessage().startsWith("no CLIP text encoder"), none.getMessage());
            try (ClipTextModel model = ClipTextModel.load(config, weights, m.getDevice())) {
                NDArray tooLong = m.zeros(new ai.djl.ndarray.types.Shape(1, 78), ai.djl.ndarray.types.DataType.INT64);
                assertThrows(IllegalArgumentException.class, () -> model.encode(tooLong, ClipLayer.LAST, m));
                NDArray unknown = m.create(new long[][] {{998, 1000, 999}});
                assertThrows(IllegalArgumentException.class, () -> model.encode(unknown, ClipLayer.LAST, m));
            }
        }
        try (StateDict openClip = StateDict.open(Oracle.path("clip-text-tiny", "gelu", "sd2_openclip_cond_stage.ckpt"))) {
            ClipTextConfig gelu = ClipTextConfig.fromJson(Oracle.path("clip-text-tiny", "gelu", "text_encoder", "config.json"))
                    .withVocabSize(1000);
            CheckpointException e = assertThrows(CheckpointException.class, () -> ClipTextModel.load(gelu,
                    openClip.filter(k -> !k.endsWith("resblocks.1.attn.in_proj_bias")), Engine.getInstance().defaultDevice()));
            assertTrue(e.getMessage().contains("transformer.resblocks.1.attn.in_proj_bias"), e.getMessage());
        }
    }
}
