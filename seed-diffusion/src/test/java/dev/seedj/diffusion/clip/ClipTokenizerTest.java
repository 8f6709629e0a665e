package dev.seedj.diffusion.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.testing.Oracle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Acceptance 1 (tokenizer): every golden case of clip-text-tiny, with the real CLIP vocabulary and the tiny one. */
class ClipTokenizerTest {
    private static JsonObject cases;

    @BeforeAll
    static void read() throws Exception {
        cases = JsonParser.parseString(Files.readString(Oracle.path("clip-text-tiny", "tokenizer_cases.json"),
                StandardCharsets.UTF_8)).getAsJsonObject();
    }

    @Test
    void realVocabularyMatchesEveryCase() {
        ClipTokenizer tokenizer = ClipTokenizer.fromOpenAiBpe(
                Oracle.path("clip-text-tiny", "tokenizer_full", "bpe_simple_vocab_16e6.txt.gz"));
        assertEquals(49408, tokenizer.vocabSize());
        assertEquals(49406, tokenizer.bosId());
        assertEquals(49407, tokenizer.eosId());
        assertEquals(99, check(tokenizer, "full_vocab"));
    }

    @Test
    void tinyVocabularyMatchesEveryCaseFromBothFileFormats() {
        ClipTokenizer fromJson = ClipTokenizer.fromFolder(Oracle.path("clip-text-tiny", "tokenizer"));
        ClipTokenizer fromBpe = ClipTokenizer.fromOpenAiBpe(Oracle.path("clip-text-tiny", "tokenizer", "bpe_tiny_vocab.txt.gz"));
        for (ClipTokenizer tokenizer : List.of(fromJson, fromBpe)) {
            assertEquals(1000, tokenizer.vocabSize());
            assertEquals(998, tokenizer.bosId());
            assertEquals(99, check(tokenizer, "tiny_vocab"));
        }
    }

    @Test
    void missingFilesAndUnknownIdsAreClearErrors() {
        assertThrows(IllegalArgumentException.class,
                () -> ClipTokenizer.fromFolder(Oracle.path("clip-text-tiny", "quick_gelu")));
        ClipTokenizer tiny = ClipTokenizer.fromFolder(Oracle.path("clip-text-tiny", "tokenizer"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tiny.decode(new int[] {1000}));
        assertEquals("token id 1000 is not in the vocabulary of 1000", e.getMessage());
    }

    private static int check(ClipTokenizer tokenizer, String vocab) {
        int checked = 0;
        for (JsonElement element : cases.getAsJsonObject(vocab).getAsJsonArray("cases")) {
            JsonObject c = element.getAsJsonObject();
            String text = c.get("text").getAsString();
            int[] ids = tokenizer.encode(text);
            assertArrayEquals(ints(c.getAsJsonArray("bpe_ids")), ids, vocab + " bpe_ids of '" + text + "'");
            List<String> tokens = new ArrayList<>();
            c.getAsJsonArray("bpe_tokens").forEach(t -> tokens.add(t.getAsString()));
            assertEquals(tokens, tokenizer.tokens(text), vocab + " tokens of '" + text + "'");
            assertArrayEquals(longs(c.getAsJsonArray("input_ids_pad_eos")), tokenizer.inputIds(text, tokenizer.eosId()),
                    vocab + " SD v1 ids of '" + text + "'");
            assertArrayEquals(longs(c.getAsJsonArray("input_ids_pad_zero")), tokenizer.inputIds(text, 0),
                    vocab + " SD 2 ids of '" + text + "'");
            assertEquals(c.get("decoded").getAsString(), tokenizer.decode(ids), vocab + " decode of '" + text + "'");
            checked++;
        }
        return checked;
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    private static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }
}
