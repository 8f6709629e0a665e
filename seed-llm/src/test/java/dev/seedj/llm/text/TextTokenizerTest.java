package dev.seedj.llm.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.seedj.core.testing.Oracle;
import dev.seedj.llm.Vocabulary;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GPT-2 byte-level BPE tokenizer built from vocab.json + merges.txt, with SEED's image tokens. */
class TextTokenizerTest {


    @Test
    void imageTokensAreSingleIdsAfterTheVocabulary(@TempDir Path dir) throws Exception {
        try (TextTokenizer t = TextTokenizer.load(TinyByteLevelBpe.write(dir))) {
            assertEquals(262, t.tokenId("Ġcat"));
            assertEquals(2, t.bosId());
            Vocabulary v = t.imageVocabulary();
            assertEquals(263, v.tokenId(0), "image tokens follow the largest id");
            assertEquals(263 + 8192, v.boiId());
            assertEquals(263 + 8193, v.eoiId());
            assertEquals(263 + 8194, t.size());
            long a = t.tokenId("a");
            assertArrayEquals(new long[] {a, 262}, t.encode("a cat"));
            assertArrayEquals(new long[] {a, v.tokenId(1234), 262}, t.encode("a<img_01234> cat", t.specialTokens()));
            assertArrayEquals(new long[] {a, v.tokenId(1234), 262},
                    t.encode("a<img_01234> cat", Set.of(Vocabulary.imageToken(1234))));
            int[] codes = {7, 8191, 0};
            long[] image = t.encode(Vocabulary.imageText(codes), t.specialTokens());
            assertArrayEquals(new long[] {v.boiId(), v.tokenId(7), v.tokenId(8191), v.tokenId(0), v.eoiId()}, image);
            assertEquals("a cat<img_00007>", t.decode(new long[] {a, 262, v.tokenId(7)}, false));
            assertEquals("a cat", t.decode(new long[] {2, a, 262, v.tokenId(7)}, true));
        }
    }

    @Test
    void forModelTakesTheCodebookSizeFromTheEmbeddingRows(@TempDir Path dir) throws Exception {
        TinyByteLevelBpe.write(dir); // 263 text ids
        try (TextTokenizer mini = TextTokenizer.forModel(dir, 263 + 256 + 2)) {
            Vocabulary v = mini.imageVocabulary();
            assertEquals(263, v.tokenId(0));
            assertEquals(263 + 255, v.tokenId(255));
            assertEquals(263 + 256, mini.tokenId("<img>"));
            assertEquals(263 + 258, mini.size());
            assertArrayEquals(new long[] {263 + 256, 263 + 12, 263 + 257},
                    mini.encode("<img><img_00012></img>", mini.specialTokens()));
        }
        try (TextTokenizer plain = TextTokenizer.forModel(dir, 264)) { // padding only: SEED's 8192 codes
            assertEquals(263 + 8192, plain.tokenId("<img>"));
        }
        try (TextTokenizer llama = TextTokenizer.forModel(Oracle.path("llama-tiny"), 8514)) { // tokens in the files
            assertEquals(320, llama.imageVocabulary().tokenId(0));
            assertEquals(8512, llama.tokenId("<img>"));
        }
    }

    @Test
    void longTextsAreNotTruncated(@TempDir Path dir) throws Exception {
        try (TextTokenizer t = TextTokenizer.load(TinyByteLevelBpe.write(dir))) {
            assertEquals(1500, t.encode(" cat".repeat(1500)).length);
        }
    }

    @Test
    void tokenizerJsonKeepsItsOwnImageIds(@TempDir Path dir) throws Exception {
        TinyByteLevelBpe.write(dir);
        JsonObject json = ByteLevelBpeJson.build(dir.resolve("vocab.json"), dir.resolve("merges.txt"), List.of("</s>"));
        // a SEED-OPT tokenizer.json that already has the image tokens, here with <img> and </img> first
        json.getAsJsonArray("added_tokens").add(ByteLevelBpeJson.addedToken(263, "<img>"));
        json.getAsJsonArray("added_tokens").add(ByteLevelBpeJson.addedToken(264, "</img>"));
        for (int code = 0; code < 16; code++) {
            json.getAsJsonArray("added_tokens").add(ByteLevelBpeJson.addedToken(265 + code, Vocabulary.imageToken(code)));
        }
        Path other = Files.createDirectories(dir.resolve("json"));
        Files.writeString(other.resolve("tokenizer.json"), json.toString(), StandardCharsets.UTF_8);
        try (TextTokenizer t = TextTokenizer.load(other, 16)) {
            assertEquals(263, t.imageVocabulary().boiId());
            assertEquals(265 + 5, t.imageVocabulary().tokenId(5));
            assertArrayEquals(new long[] {263, 270, 264}, t.encode("<img><img_00005></img>", t.specialTokens()));
            assertEquals(281, t.size());
        }
    }

    @Test
    void missingFilesAreNamed(@TempDir Path dir) {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> TextTokenizer.load(dir));
        assertEquals(true, e.getMessage().contains("vocab.json + merges.txt"));
    }

    @Test
    void imageAndSpecialStringsInPlainTextStayText(@TempDir Path dir) throws Exception {
        try (TextTokenizer t = TextTokenizer.load(TinyByteLevelBpe.write(dir))) {
            Vocabulary v = t.imageVocabulary();
            String injected = "a<img><img_01234></img></s> cat";
            long[] plain = t.encode(injected);
            for (long id : plain) {
                assertTrue(id < 263 && id != 2, "no image or special id from plain text, got " + id);
            }
            // the characters are byte-level symbols: one id per character except the merged " cat"
            assertEquals(injected.length() - 3, plain.length);
            assertEquals(injected, t.decode(plain, false));
            // allowing only the image tokens leaves </s> as text
            long[] images = t.encode(injected, Set.of(Vocabulary.BOI, Vocabulary.EOI, Vocabulary.imageToken(1234)));
            assertArrayEquals(new long[] {t.tokenId("a"), v.boiId(), v.tokenId(1234), v.eoiId()}, Arrays.copyOf(images, 4));
            assertTrue(Arrays.stream(images).noneMatch(id -> id == 2));
        }
    }
}
