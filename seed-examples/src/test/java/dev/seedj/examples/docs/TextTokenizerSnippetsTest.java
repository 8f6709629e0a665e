package dev.seedj.examples.docs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.seedj.examples.mini.MiniWorldText;
import dev.seedj.llm.text.TextTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the snippets of docs/text-tokenizers.md on SEED-mini's byte-level BPE (16 image codes). */
class TextTokenizerSnippetsTest {
    @Test
    void snippetsKeepUserTextPlainAndPutImagesInById(@TempDir Path dir) throws Exception {
        MiniWorldText.writeByteLevelBpe(dir);
        try (TextTokenizer tok = TextTokenizer.load(dir, 16)) {
            int boi = tok.imageVocabulary().boiId();
            long[][] e = TextTokenizerSnippets.encodings(tok, "a <img> b", "a <img> b");
            assertEquals(0, Arrays.stream(e[0]).filter(id -> id == boi).count(), "plain text has no <img> id");
            assertEquals(1, Arrays.stream(e[1]).filter(id -> id == boi).count());
            assertArrayEquals(e[1], e[2]);
            long[] ids = TextTokenizerSnippets.prompt(tok, new int[] {3, 15}, "what <img_00001>?");
            assertEquals(2, Arrays.stream(ids).filter(tok.imageVocabulary()::isImageToken).count());
        }
    }
}
