package dev.seedj.llm.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.testing.Oracle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every case of {@code oracle/llama-tiny/tokenizer_cases.jsonl}: the ids of transformers 4.30.2's slow
 * LlamaTokenizer (with every special string allowed, as Python matches them) and its decodes.
 */
class LlamaTokenizerOracleTest {
    private static TextTokenizer tok;
    private static List<JsonObject> cases;

    @BeforeAll
    static void load() throws Exception {
        Path dir = Oracle.path("llama-tiny");
        tok = TextTokenizer.load(dir);
        cases = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("tokenizer_cases.jsonl"), StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                cases.add(JsonParser.parseString(line).getAsJsonObject());
            }
        }
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    private static long[] ids(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    @Test
    void layoutComesFromTheFiles() {
        assertEquals(320 + 8194, tok.size());
        assertEquals(1, tok.bosId());
        assertEquals(2, tok.eosId());
        assertEquals(320, tok.imageVocabulary().tokenId(0), "image id = text vocabulary + code");
        assertEquals(320 + 8191, tok.imageVocabulary().tokenId(8191));
        assertEquals(8512, tok.imageVocabulary().boiId());
        assertEquals(8513, tok.imageVocabulary().eoiId());
    }

    @Test
    void encodesEveryCaseWithSpecialsAllowed() {
        int checked = 0;
        for (JsonObject c : cases) {
            if (c.has("decode_only")) {
                continue;
            }
            String text = c.get("text").getAsString();
            assertArrayEquals(ids(c.getAsJsonArray("ids_no_special_tokens")), tok.encode(text, tok.specialTokens()),
                    "case " + c.get("i") + ": " + text);
            checked++;
        }
        assertTrue(checked > 150, "cases read: " + checked);
    }

    @Test
    void plainTextWithoutSpecialStringsNeedsNoAllowance() {
        for (JsonObject c : cases) {
            if (c.has("decode_only")) {
                continue;
            }
            String text = c.get("text").getAsString();
            boolean hasSpecial = tok.specialTokens().stream().anyMatch(text::contains);
            if (!hasSpecial) {
                assertArrayEquals(ids(c.getAsJsonArray("ids_no_special_tokens")), tok.encode(text),
                        "case " + c.get("i") + ": " + text);
            }
        }
    }

    @Test
    void decodesEveryCase() {
        for (JsonObject c : cases) {
            long[] ids = ids(c.getAsJsonArray(c.has("decode_only") ? "ids" : "ids_add_special_tokens"));
            assertEquals(c.get("decode").getAsString(), tok.decode(ids, false), "case " + c.get("i"));
            assertEquals(c.get("decode_skip_special").getAsString(), tok.decode(ids, true), "case " + c.get("i"));
        }
    }
}
