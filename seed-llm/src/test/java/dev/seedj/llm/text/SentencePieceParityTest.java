package dev.seedj.llm.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The converted BPE and the piece decoder against sentencepiece 0.1.97 itself, on a model with a real merge
 * table (1000 pieces, LLaMA's trainer settings). The resources were made with Debian's python3-sentencepiece
 * 0.1.97: {@code SentencePieceTrainer.train(input=<the GPL/Apache license texts>, vocab_size=1000,
 * model_type='bpe', byte_fallback=True, split_digits=True, add_dummy_prefix=True,
 * remove_extra_whitespaces=False, normalization_rule_name='identity', allow_whitespace_only_pieces=True)}, then
 * {@code sp.encode(text)} of random corpus snippets and random character strings (ASCII, accents, CJK, emoji,
 * {@code ▁}, no-break spaces) and {@code sp.decode(ids)} of random id runs with control, unknown and byte pieces.
 */
class SentencePieceParityTest {
    @Test
    void encodesAndDecodesAsSentencepiece(@TempDir Path dir) throws Exception {
        try (InputStream model = getClass().getResourceAsStream("sp-bpe-1000.model")) {
            Files.copy(model, dir.resolve("tokenizer.model"));
        }
        List<String> lines;
        try (InputStream cases = getClass().getResourceAsStream("sp-bpe-1000-cases.jsonl")) {
            lines = new String(cases.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        TokenizerParts parts = SentencePieceCodec.load(dir, List.of());
        int encoded = 0;
        int decoded = 0;
        try (SentencePieceCodec codec = (SentencePieceCodec) parts.codec()) {
            for (String line : lines) {
                JsonObject c = JsonParser.parseString(line).getAsJsonObject();
                String text = c.get("text").getAsString();
                if (c.has("decode")) {
                    List<Integer> ids = new ArrayList<>();
                    c.getAsJsonArray("decode").forEach(e -> ids.add(e.getAsInt()));
                    assertEquals(text, codec.decodePieces(ids), ids.toString());
                    decoded++;
                } else {
                    long[] expected = c.getAsJsonArray("ids").asList().stream().mapToLong(e -> e.getAsLong()).toArray();
                    assertArrayEquals(expected, codec.encodePlain(text), text);
                    encoded++;
                }
            }
        }
        assertEquals(300, encoded);
        assertEquals(200, decoded);
    }
}
