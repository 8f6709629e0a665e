package dev.seedj.examples.mini;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.seedj.core.train.BertWordPieceTokenizer;
import dev.seedj.core.train.TokenizedText;
import dev.seedj.llm.Vocabulary;
import dev.seedj.llm.text.TextTokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MiniWorldTextTest {

    @Test
    void everyCaptionWordIsOneBpeTokenAndTextRoundTrips(@TempDir Path dir) throws Exception {
        MiniWorldText.writeByteLevelBpe(dir);
        try (TextTokenizer text = TextTokenizer.load(dir, 16)) {
            String caption = "a large purple triangle on a black background";
            long[] ids = text.encode(caption);
            assertEquals(8, ids.length, "one token per word");
            assertEquals(caption, text.decode(ids, true));
            long[] image = text.encode(Vocabulary.imageText(new int[] {3, 15}) + caption, text.specialTokens());
            assertEquals(4 + 8, image.length);
            assertEquals(text.imageVocabulary().tokenId(3), image[1]);
            // any other text still encodes, byte by byte
            assertEquals("Zebra!", text.decode(text.encode("Zebra!"), true));
        }
    }

    @Test
    void stageOneVocabularyCoversTheCaptions(@TempDir Path dir) throws Exception {
        MiniWorldText.writeBertVocab(dir.resolve("vocab.txt"));
        try (BertWordPieceTokenizer bert = MiniSeedFiles.stage1TextTokenizer(dir)) {
            TokenizedText t = bert.encode(List.of("a small red circle on a white background"), 12);
            long unk = bert.tokenId("[UNK]");
            long[] ids = t.inputIds()[0];
            assertEquals(bert.tokenId("[CLS]"), ids[0]);
            assertEquals(bert.tokenId("[SEP]"), ids[9]);
            for (int i = 1; i < 9; i++) {
                assertEquals(true, ids[i] != unk, "word " + i + " is known");
            }
            assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, t.attentionMask()[0]);
        }
    }
}
