package dev.seedj.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.seedj.tokenizer.TokenizerConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelsSnippetsTest {

    @Test
    void releasedConfigSnippetWritesTheV2Config(@TempDir Path dir) throws Exception {
        ModelsSnippets.writeReleasedConfig(dir);
        TokenizerConfig written = TokenizerConfig.read(dir.resolve(TokenizerConfig.FILE_NAME));
        assertEquals(TokenizerConfig.Version.V2, written.version());
        assertEquals(224, written.imageSize());
        assertEquals(1024, written.generationDim());
    }
}
