package dev.seedj.llm.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.core.testing.Oracle;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading tokenizer.model: the fixture's fields, and clear errors for malformed or unsupported files. */
class SentencePieceModelTest {
    private static byte[] fixture() throws Exception {
        return Files.readAllBytes(Oracle.path("llama-tiny", "tokenizer.model"));
    }

    @Test
    void readsTheFixturesPiecesAndSettings() throws Exception {
        SentencePieceModel m = SentencePieceModel.parse(fixture());
        assertEquals(320, m.pieces().size());
        assertEquals(new SentencePieceModel.Piece("<unk>", 0f, SentencePieceModel.PieceType.UNKNOWN), m.pieces().get(0));
        assertEquals(SentencePieceModel.PieceType.CONTROL, m.pieces().get(1).type());
        assertEquals("<0x41>", m.pieces().get(3 + 0x41).piece());
        assertEquals(0x41, m.byteOf(3 + 0x41));
        assertEquals(260, m.id("\u2581\u2581"));
        assertTrue(m.byteFallback());
        assertTrue(m.addDummyPrefix());
        assertEquals(" \u2047 ", m.unkSurface());
    }

    @Test
    void everyTruncationIsRefusedWithAMessage() throws Exception {
        byte[] data = fixture();
        for (int length = 0; length < data.length; length += 37) {
            byte[] cut = Arrays.copyOf(data, length);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SentencePieceModel.parse(cut),
                    "length " + length);
            assertTrue(e.getMessage().contains("sentencepiece"), e.getMessage());
        }
    }

    @Test
    void wrongFieldTypesAreNamed() {
        // pieces[0].score sent as a varint instead of a float
        byte[] piece = concat(new byte[] {0x0A, 1, 'a'}, new byte[] {0x10, 5});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SentencePieceModel.parse(concat(new byte[] {0x0A, (byte) piece.length}, piece)));
        assertTrue(e.getMessage().contains("score") && e.getMessage().contains("wire type 0"), e.getMessage());
        // trainer_spec sent as a varint
        e = assertThrows(IllegalArgumentException.class, () -> SentencePieceModel.parse(new byte[] {0x10, 1}));
        assertTrue(e.getMessage().contains("trainer_spec"), e.getMessage());
        // a length running past the end
        e = assertThrows(IllegalArgumentException.class, () -> SentencePieceModel.parse(new byte[] {0x0A, 100, 1}));
        assertTrue(e.getMessage().contains("runs past the end"), e.getMessage());
        // a group wire type
        e = assertThrows(IllegalArgumentException.class, () -> SentencePieceModel.parse(new byte[] {0x0B}));
        assertTrue(e.getMessage().contains("wire type 3"), e.getMessage());
        // text that is not a model at all
        e = assertThrows(IllegalArgumentException.class,
                () -> SentencePieceModel.parse("hello, not a model".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("malformed") || e.getMessage().contains("not supported"), e.getMessage());
    }

    @Test
    void unigramModelsAreRefused() throws Exception {
        // the fixture with trainer_spec.model_type changed from BPE (2) to UNIGRAM (1)
        byte[] data = fixture();
        int at = indexOf(data, new byte[] {0x18, 0x02, 0x20}); // model_type = 2, then vocab_size
        assertTrue(at > 0);
        data[at + 1] = 1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SentencePieceModel.parse(data));
        assertTrue(e.getMessage().contains("model_type 1"), e.getMessage());
    }

    @Test
    void loadingNamesTheBadFile(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("tokenizer.model"), Arrays.copyOf(fixture(), 1000));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer.model"), e.getMessage());
    }

    @Test
    void addedTokensMustContinueTheVocabulary(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("tokenizer.model"), fixture());
        Files.writeString(dir.resolve("added_tokens.json"), "{\"<img>\": 320, \"</img>\": 322}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextTokenizer.load(dir, 4));
        assertTrue(e.getMessage().contains("'</img>' has id 322") && e.getMessage().contains("expected 321"), e.getMessage());
        // without added_tokens.json the image tokens are appended: codes first, then <img>, </img>
        Files.delete(dir.resolve("added_tokens.json"));
        try (TextTokenizer t = TextTokenizer.load(dir, 4)) {
            assertEquals(320, t.imageVocabulary().tokenId(0));
            assertEquals(324, t.imageVocabulary().boiId());
            assertEquals(325, t.imageVocabulary().eoiId());
            assertEquals(326, t.size());
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int k = 0; k < pattern.length; k++) {
                if (data[i + k] != pattern[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
