package dev.seedj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.SafetensorsWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ignored checkpoint keys: the parts SEED checkpoints carry for training ({@code pos_embed}, {@code blocks.N},
 * {@code Qformer.cls}, ...) are logged at DEBUG only, a key the tokenizer does not know at WARN.
 */
class IgnoredKeysLogTest {

    @Test
    void trainingOnlyKeysAreQuietAnUnknownKeyIsAWarning(@TempDir Path dir) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            new SafetensorsWriter().write(dir.resolve("extra.safetensors"), Map.of(
                    "Qformer.cls.predictions.bias", manager.zeros(new ai.djl.ndarray.types.Shape(3)),
                    "vision_proj.weight", manager.zeros(new ai.djl.ndarray.types.Shape(2, 2)),
                    "strange.key", manager.zeros(new ai.djl.ndarray.types.Shape(1))));
        }
        TokenizerConfig config = TinyModels.config("v2-tiny");
        TokenizerConfig twoFiles = new TokenizerConfig(config.version(), config.imageSize(), config.resize(),
                config.imageMean(), config.imageStd(), config.vision(), config.qformer(), config.codebook(),
                config.decoder(), List.of(
                        new TokenizerConfig.WeightFile(Oracle.path("v2-tiny", "weights.safetensors").toString(), ""),
                        new TokenizerConfig.WeightFile("extra.safetensors", "")));
        Files.writeString(dir.resolve(TokenizerConfig.FILE_NAME), twoFiles.toJson());

        String log = stderrOf(() -> SeedTokenizer.load(dir).close());
        List<String> ignored = log.lines().filter(l -> l.contains("ignored")).toList();
        assertEquals(1, ignored.size(), log);
        assertTrue(ignored.get(0).contains(" WARN "), ignored.get(0));
        assertTrue(ignored.get(0).contains("strange.key"), ignored.get(0));
        assertFalse(log.contains("Qformer.cls") || log.contains("vision_proj") || log.contains("blocks.0."), log);
        // v2 files carry the reconstruction branch: known, so nothing is said about it unless DEBUG is on
        assertTrue(TokenizerWeights.KNOWN_UNUSED.test("blocks.0.attn.qkv.weight"));
        assertTrue(TokenizerWeights.KNOWN_UNUSED.test("pos_embed"));
        assertFalse(TokenizerWeights.KNOWN_UNUSED.test("Qformer.bert.encoder.layer.0.output_query.dense.weight"));
    }

    private static String stderrOf(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
