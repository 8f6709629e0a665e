package dev.seedj.examples.docs;

import dev.seedj.tokenizer.TokenizerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The code shown in docs/models.md (regions between {@code // snippet:NAME} and {@code // end snippet},
 * checked against the markdown by {@link MarkdownSnippetsTest}, run by {@link ModelsSnippetsTest}).
 */
final class ModelsSnippets {
    private ModelsSnippets() {
    }

    static void writeReleasedConfig(Path dir) throws IOException {
        // snippet:released-config
        Files.writeString(dir.resolve(TokenizerConfig.FILE_NAME),
                TokenizerConfig.released(TokenizerConfig.Version.V2).toJson());
        // end snippet
    }
}
