package dev.seedj.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BertWordPieceTokenizerTest {
    /** [PAD] deliberately not at id 0, so that padding with the right id is checked. */
    private static final List<String> VOCAB = List.of("[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]", "the", "cat",
            "play", "##ing", "##s", "dog", "!", "cafe", "a", "big");

    private static Path vocab(Path dir) throws IOException {
        Path file = dir.resolve("vocab.txt");
        Files.write(file, VOCAB);
        return file;
    }

    @Test
    void encodesLikeBertTokenizerWithMaxLengthPadding(@TempDir Path dir) throws IOException {
        try (BertWordPieceTokenizer tok = BertWordPieceTokenizer.fromVocab(vocab(dir), true, List.of("[DEC]"))) {
            TokenizedText t = tok.encode(List.of("The cat PLAYING!", "Café dogs", "a zebra", "the [SEP] cat"), 8);
            // [CLS]=1 the=5 cat=6 play=7 ##ing=8 !=11 [SEP]=2 [PAD]=3
            assertArrayEquals(new long[] {1, 5, 6, 7, 8, 11, 2, 3}, t.inputIds()[0]);
            assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 0}, t.attentionMask()[0]);
            // accents stripped and lower-cased: cafe dog ##s
            assertArrayEquals(new long[] {1, 12, 10, 9, 2, 3, 3, 3}, t.inputIds()[1]);
            assertArrayEquals(new long[] {1, 1, 1, 1, 1, 0, 0, 0}, t.attentionMask()[1]);
            assertArrayEquals(new long[] {1, 13, 0, 2, 3, 3, 3, 3}, t.inputIds()[2]); // zebra -> [UNK]
            assertArrayEquals(new long[] {1, 5, 2, 6, 2, 3, 3, 3}, t.inputIds()[3]); // special token kept whole
            assertEquals(15, tok.tokenId("[DEC]"));
            assertEquals(16, tok.vocabSize());
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray ids = t.inputIdsArray(manager);
                assertEquals(new Shape(4, 8), ids.getShape());
                assertEquals(3L, ids.getLong(3, 7));
            }
        }
    }

    @Test
    void truncatesKeepingClsAndSep(@TempDir Path dir) throws IOException {
        try (BertWordPieceTokenizer tok = BertWordPieceTokenizer.fromVocab(vocab(dir), true, List.of())) {
            TokenizedText t = tok.encode(List.of("the big cat playing with a dog"), 5);
            assertArrayEquals(new long[] {1, 5, 14, 6, 2}, t.inputIds()[0]);
            assertArrayEquals(new long[] {1, 1, 1, 1, 1}, t.attentionMask()[0]);
            assertArrayEquals(new long[] {1, 2}, tok.encode(List.of(""), 2).inputIds()[0]);
            assertThrows(IllegalArgumentException.class, () -> tok.encode(List.of("x"), 1));
        }
    }

    @Test
    void loadsATokenizerJsonIgnoringItsPaddingAndPostProcessor(@TempDir Path dir) throws IOException {
        StringBuilder v = new StringBuilder();
        for (int i = 0; i < VOCAB.size(); i++) {
            v.append(i == 0 ? "" : ",").append('"').append(VOCAB.get(i)).append("\":").append(i);
        }
        String json = """
                {"version": "1.0", "truncation": null,
                 "padding": {"strategy": "BatchLongest", "direction": "Right", "pad_to_multiple_of": null,
                             "pad_id": 3, "pad_type_id": 0, "pad_token": "[PAD]"},
                 "added_tokens": [{"id": 15, "content": "[DEC]", "single_word": false, "lstrip": false,
                                   "rstrip": false, "normalized": false, "special": true}],
                 "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                                "strip_accents": null, "lowercase": true},
                 "pre_tokenizer": {"type": "BertPreTokenizer"},
                 "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 2], "cls": ["[CLS]", 1]},
                 "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
                 "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                           "max_input_chars_per_word": 100, "vocab": {VOCAB}}}
                """.replace("VOCAB", v.toString());
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json);
        try (BertWordPieceTokenizer tok = BertWordPieceTokenizer.fromTokenizerJson(file)) {
            assertArrayEquals(new long[] {1, 5, 10, 9, 2, 3}, tok.encode(List.of("The dogs"), 6).inputIds()[0]);
            assertEquals(15, tok.tokenId("[DEC]"));
        }
    }

    @Test
    void rejectsBrokenVocabularies(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("vocab.txt");
        Files.write(file, List.of("[UNK]", "[CLS]", "[SEP]", "a"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BertWordPieceTokenizer.fromVocab(file, true, List.of()));
        assertTrue(e.getMessage().contains("[PAD]"), e.getMessage());
        Files.write(file, List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "a"));
        e = assertThrows(IllegalArgumentException.class, () -> BertWordPieceTokenizer.fromVocab(file, true, List.of()));
        assertTrue(e.getMessage().contains("line 6"), e.getMessage());
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\"}}");
        assertThrows(IllegalArgumentException.class,
                () -> BertWordPieceTokenizer.fromTokenizerJson(dir.resolve("tokenizer.json")));
    }
}
