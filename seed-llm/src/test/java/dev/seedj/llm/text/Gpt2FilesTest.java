package dev.seedj.llm.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-2's own files (vocab.json + merges.txt, no OPT specials, {@code <|endoftext|>} as the last id) load, and
 * plain text, including text that looks like a special token, gets exactly the ids of GPT-2's encoder
 * ({@code encoder.py}, = tiktoken's {@code encode(text, disallowed_special=())}), reimplemented here independently.
 */
class Gpt2FilesTest {
    /** GPT-2's pre-tokenizer pattern, with Unicode classes as the {@code regex} module has them. */
    private static final Pattern GPT2_WORDS =
            Pattern.compile("(?U)'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
    private static final List<String> MERGES = List.of("Ġ t", "h e", "Ġt he", "e n", "< |", "| >", "e x", "ex t", "t ext",
            "en d", "end o", "endo f", "endof text", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld", "i m", "im g", "< /",
            "' s", "Ġ 1", "Ġ1 2", "Ġ <", "Ġ< |");

    /** Writes the tiny GPT-2-style files: the 256 byte symbols, the merges' results, then {@code <|endoftext|>}. */
    private static Path writeGpt2(Path dir) throws Exception {
        JsonObject vocab = new JsonObject();
        int id = 0;
        for (String s : ByteLevelAlphabet.symbols()) {
            vocab.addProperty(s, id++);
        }
        for (String m : MERGES) {
            vocab.addProperty(m.replace(" ", ""), id++);
        }
        vocab.addProperty("<|endoftext|>", id);
        Files.writeString(dir.resolve("vocab.json"), vocab.toString(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", MERGES) + "\n",
                StandardCharsets.UTF_8);
        return dir;
    }

    /** GPT-2's encoder.py: words by the pattern, bytes to symbols, repeatedly merge the lowest-ranked pair. */
    private static long[] gpt2Encode(String text, Map<String, Integer> vocab) {
        Map<String, Integer> ranks = new HashMap<>();
        for (int i = 0; i < MERGES.size(); i++) {
            ranks.put(MERGES.get(i), i);
        }
        List<Long> out = new ArrayList<>();
        Matcher m = GPT2_WORDS.matcher(text);
        while (m.find()) {
            List<String> word = new ArrayList<>();
            for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
                word.add(ByteLevelAlphabet.symbol(b & 0xFF));
            }
            while (word.size() > 1) {
                int best = -1;
                int bestRank = Integer.MAX_VALUE;
                for (int i = 0; i + 1 < word.size(); i++) {
                    Integer r = ranks.get(word.get(i) + " " + word.get(i + 1));
                    if (r != null && r < bestRank) {
                        bestRank = r;
                        best = i;
                    }
                }
                if (best < 0) {
                    break;
                }
                String first = word.get(best);
                String second = word.get(best + 1);
                List<String> merged = new ArrayList<>();
                for (int i = 0; i < word.size(); i++) {
                    if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                        merged.add(first + second);
                        i++;
                    } else {
                        merged.add(word.get(i));
                    }
                }
                word = merged;
            }
            word.forEach(w -> out.add((long) vocab.get(w)));
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void gpt2FilesLoadAndPlainTextMatchesGpt2(@TempDir Path dir) throws Exception {
        writeGpt2(dir);
        Map<String, Integer> vocab = new HashMap<>();
        com.google.gson.JsonParser.parseString(Files.readString(dir.resolve("vocab.json")))
                .getAsJsonObject().entrySet().forEach(e -> vocab.put(e.getKey(), e.getValue().getAsInt()));
        int endOfText = vocab.get("<|endoftext|>");
        try (TextTokenizer t = TextTokenizer.load(dir)) {
            assertEquals(endOfText, t.bosId(), "GPT-2's BOS and EOS are <|endoftext|>");
            assertEquals(endOfText, t.eosId());
            assertEquals(endOfText + 1, t.imageVocabulary().tokenId(0), "image tokens after GPT-2's vocabulary");
            List<String> texts = List.of("the world", "<|endoftext|>", "a <|endoftext|> b", "x<|endoftext|>y",
                    "</s> <s> <pad> <unk>", "<img><img_00001></img>", "It's 12 worlds!!  \n\n the", "café 😀 naïve",
                    "  leading and trailing  ", "\t<|endoftext|><|endoftext|>\n", "1234567 the end of text");
            for (String text : texts) {
                long[] expected = gpt2Encode(text, vocab);
                assertArrayEquals(expected, t.encode(text), text);
                assertEquals(text, t.decode(t.encode(text), false));
            }
            // allowed explicitly, the special string is its token (GPT-2's slow tokenizer / allowed_special="all")
            long[] allowed = t.encode("a <|endoftext|> b", t.specialTokens());
            List<Long> ids = new ArrayList<>();
            for (long id : allowed) {
                ids.add(id);
            }
            assertEquals(true, ids.contains((long) endOfText));
            assertArrayEquals(t.encode("a <|endoftext|> b"), gpt2Encode("a <|endoftext|> b", vocab));
        }
    }
}
