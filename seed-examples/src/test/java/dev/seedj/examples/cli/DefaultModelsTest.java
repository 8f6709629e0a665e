package dev.seedj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultModelsTest {

    @Test
    void findsTheBundledModelsFromAParentFolder(@TempDir Path root) throws Exception {
        Path tokenizer = Files.createDirectories(root.resolve("models/demo-v1-tiny"));
        Files.writeString(tokenizer.resolve("seed-tokenizer.json"), "{}");
        Path llm = Files.createDirectories(root.resolve("models/demo-opt-tiny"));
        Files.writeString(llm.resolve("config.json"), "{}");
        Path module = Files.createDirectories(root.resolve("seed-examples/src"));
        DefaultModels defaults = new DefaultModels(module, Map.of());
        assertEquals(tokenizer, defaults.tokenizer());
        assertEquals(llm, defaults.llm());
    }

    @Test
    void preferSeedMiniOverTheDemo(@TempDir Path root) throws Exception {
        for (String dir : new String[] {"models/demo-v1-tiny", "models/seed-mini/tokenizer"}) {
            Files.writeString(Files.createDirectories(root.resolve(dir)).resolve("seed-tokenizer.json"), "{}");
        }
        assertEquals(root.resolve("models/seed-mini/tokenizer"), new DefaultModels(root, Map.of()).tokenizer());
    }

    @Test
    void environmentVariablesWin(@TempDir Path root) {
        DefaultModels defaults = new DefaultModels(root,
                Map.of(DefaultModels.MODEL_ENV, "/opt/seed-v2", DefaultModels.LLM_ENV, "/opt/seed-opt"));
        assertEquals(Path.of("/opt/seed-v2"), defaults.tokenizer());
        assertEquals(Path.of("/opt/seed-opt"), defaults.llm());
    }

    @Test
    void nothingFoundNamesTheWaysOut(@TempDir Path root) {
        CliException e = assertThrows(CliException.class, () -> new DefaultModels(root, Map.of()).tokenizer());
        assertTrue(e.getMessage().contains("--model") && e.getMessage().contains(DefaultModels.MODEL_ENV),
                e.getMessage());
    }
}
