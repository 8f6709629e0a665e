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
    void environmentVariablesWin(@TempDir Path root) throws Exception {
        Path v2 = Files.createDirectories(root.resolve("seed-v2"));
        Path opt = Files.createDirectories(root.resolve("seed-opt"));
        DefaultModels defaults = new DefaultModels(root,
                Map.of(DefaultModels.MODEL_ENV, v2.toString(), DefaultModels.LLM_ENV, opt.toString()));
        assertEquals(v2, defaults.tokenizer());
        assertEquals(opt, defaults.llm());
    }

    @Test
    void aMissingDirectoryIsWordedTheSameFromTheEnvironmentAndTheOption(@TempDir Path root) {
        Path none = root.resolve("nonexistent");
        CliException fromEnv = assertThrows(CliException.class,
                () -> new DefaultModels(root, Map.of(DefaultModels.MODEL_ENV, none.toString())).tokenizer());
        CliException fromOption = assertThrows(CliException.class, () -> DefaultModels.existing(none));
        assertEquals(fromOption.getMessage(), fromEnv.getMessage());
        assertEquals("model directory " + none + " does not exist", fromEnv.getMessage());
    }

    @Test
    void nothingFoundNamesTheWaysOut(@TempDir Path root) {
        CliException e = assertThrows(CliException.class, () -> new DefaultModels(root, Map.of()).tokenizer());
        assertTrue(e.getMessage().contains("--model") && e.getMessage().contains(DefaultModels.MODEL_ENV),
                e.getMessage());
    }
}
