package dev.seedj.diffusion.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompts to context end to end: the tiny tokenizer and model give clip-text-tiny's {@code text.*} outputs. */
class StableDiffusionTextEncoderTest {
    private static final List<String> TEXTS = List.of("a photo of a cat", "A photo of a cat",
            "a photograph of an astronaut riding a horse",
            "a painting of a fox sitting in a field at sunrise, trending on artstation");

    @Test
    void sdV1FolderEncodesPromptsAsTheReference(@TempDir Path pipeline) throws Exception {
        Files.createSymbolicLink(pipeline.resolve("tokenizer"), Oracle.path("clip-text-tiny", "tokenizer").toAbsolutePath());
        Files.createSymbolicLink(pipeline.resolve("text_encoder"),
                Oracle.path("clip-text-tiny", "quick_gelu", "text_encoder").toAbsolutePath());
        try (StableDiffusionTextEncoder encoder = StableDiffusionTextEncoder.fromDiffusersFolder(pipeline,
                        Engine.getInstance().defaultDevice());
                StateDict expected = StateDict.open(Oracle.path("clip-text-tiny", "quick_gelu", "expected.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(999, encoder.padId()); // pad_token <|endoftext|>
            NDArray context = encoder.encode(TEXTS, m);
            Oracle.assertClose("text.last_hidden_state", expected.get("text.last_hidden_state", m), context, 1e-5);
            NDArray empty = encoder.encode(List.of(""), m); // the unconditional context
            Oracle.assertClose("'' = input row 0", expected.get("out.last_hidden_state", m).get("0:1"), empty, 1e-5);
        }
    }

    @Test
    void sd2CompVisCheckpointReadsThePenultimateLayerWithZeroPadding() {
        Path dir = Oracle.path("clip-text-tiny", "gelu");
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(Oracle.path("clip-text-tiny", "tokenizer"));
        ClipTextConfig config = ClipTextConfig.fromJson(dir.resolve("text_encoder/config.json")).withVocabSize(1000);
        try (StateDict ckpt = StateDict.open(dir.resolve("sd2_openclip_cond_stage.ckpt"));
                StableDiffusionTextEncoder encoder = new StableDiffusionTextEncoder(tokenizer,
                        ClipTextModel.load(config, ckpt, Engine.getInstance().defaultDevice()), ClipLayer.PENULTIMATE, 0);
                StateDict expected = StateDict.open(dir.resolve("expected.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            Oracle.assertClose("text.penultimate", expected.get("text.penultimate_final_layer_norm", m),
                    encoder.encode(TEXTS, m), 1e-5);
        }
    }
}
