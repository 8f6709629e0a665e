package dev.seedj.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlImageTextDatasetTest {

    @Test
    void readsPairsWithImageBytes(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("a.jpg"), new byte[] {1, 2, 3});
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("sub/b.png"), new byte[] {4, 5});
        Files.writeString(dir.resolve("pairs.jsonl"), """
                {"image": "a.jpg", "caption": "a cat", "extra": 1}

                {"image": "sub/b.png", "caption": "a dog"}
                """);
        try (ImageTextDataset ds = JsonlImageTextDataset.open(dir)) {
            assertEquals(2, ds.size());
            ImageTextExample b = ds.get(1);
            assertEquals("sub/b.png", b.imageName());
            assertEquals("a dog", b.caption());
            assertArrayEquals(new byte[] {4, 5}, b.imageBytes());
            assertEquals("a cat", ds.get(0).caption());
        }
    }

    @Test
    void brokenLinesAreReportedWithTheirLineNumber(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("a.jpg"), new byte[] {1});
        Path index = dir.resolve("pairs.jsonl");
        Files.writeString(index, "{\"image\": \"a.jpg\", \"caption\": \"ok\"}\n{\"image\": \"a.jpg\", \"caption\": \n");
        assertMessage(index, "line 2: not valid JSON");
        Files.writeString(index, "{\"image\" \"a.jpg\"}\n");
        DatasetException lenient = assertThrows(DatasetException.class, () -> JsonlImageTextDataset.open(index));
        assertTrue(lenient.getMessage().contains("line 1: not valid JSON"), lenient.getMessage());
        assertFalse(lenient.getMessage().contains("LENIENT") || lenient.getMessage().contains("setLenient")
                || lenient.getMessage().contains("https://"), "no Gson advice: " + lenient.getMessage());
        Files.writeString(index, "{\"image\": \"a.jpg\", \"caption\": \"ok\"}\n{\"image\": \"a.jpg\"}\n");
        assertMessage(index, "line 2: \"caption\" must be a string");
        Files.writeString(index, "{\"image\": \"missing.jpg\", \"caption\": \"x\"}\n");
        assertMessage(index, "line 1: image file");
        Files.writeString(index, "{\"image\": \"../a.jpg\", \"caption\": \"x\"}\n");
        assertMessage(index, "line 1: image path '../a.jpg' must name a file inside");
        Files.writeString(index, "[1, 2]\n");
        assertMessage(index, "line 1: expected a JSON object");
        Files.writeString(dir.resolve("other.jsonl"), "");
        DatasetException e = assertThrows(DatasetException.class, () -> JsonlImageTextDataset.open(dir));
        assertTrue(e.getMessage().contains("exactly one .jsonl"), e.getMessage());
    }

    private static void assertMessage(Path index, String part) {
        DatasetException e = assertThrows(DatasetException.class, () -> JsonlImageTextDataset.open(index));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
