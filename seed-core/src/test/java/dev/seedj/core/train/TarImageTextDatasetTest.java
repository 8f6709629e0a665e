package dev.seedj.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarImageTextDatasetTest {
    private static final String LONG_KEY = "shard0/" + "x".repeat(120) + "/sample";

    static void writeTar(Path file, Map<String, byte[]> members) throws IOException {
        TarWriter.write(file, members, false);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void pairsImagesWithCaptionsByKeyAcrossShards(@TempDir Path dir) throws IOException {
        Map<String, byte[]> first = new LinkedHashMap<>();
        first.put("000001.jpg", new byte[] {(byte) 0xff, (byte) 0xd8, 7});
        first.put("000001.txt", utf8("  a red car\n"));
        first.put("000001.json", utf8("{}"));
        first.put(LONG_KEY + ".txt", utf8("a long name"));
        first.put(LONG_KEY + ".png", new byte[600]); // spans two tar blocks
        Map<String, byte[]> second = new LinkedHashMap<>();
        second.put("000002.txt", utf8("café"));
        second.put("000002.PNG", new byte[] {9});
        second.put("gnu/" + "y".repeat(110) + ".txt", utf8("gnu long name"));
        second.put("gnu/" + "y".repeat(110) + ".jpg", new byte[] {5, 6});
        writeTar(dir.resolve("a.tar"), first); // long name as a pax record
        TarWriter.write(dir.resolve("b.tar"), second, true);
        try (ImageTextDataset ds = TarImageTextDataset.open(List.of(dir.resolve("a.tar"), dir.resolve("b.tar")))) {
            assertEquals(4, ds.size());
            ImageTextExample a = ds.get(0);
            assertEquals("000001", a.key());
            assertEquals("000001.jpg", a.imageName());
            assertEquals("a red car", a.caption());
            assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xd8, 7}, a.imageBytes());
            ImageTextExample longName = ds.get(1);
            assertEquals(LONG_KEY, longName.key());
            assertEquals(600, longName.imageBytes().length);
            assertEquals("a long name", longName.caption());
            assertEquals("café", ds.get(2).caption());
            assertArrayEquals(new byte[] {9}, ds.get(2).imageBytes());
            assertEquals("gnu long name", ds.get(3).caption());
            assertArrayEquals(new byte[] {5, 6}, ds.get(3).imageBytes());
        }
    }

    @Test
    void reportsIncompletePairsAndCompressedShards(@TempDir Path dir) throws IOException {
        Map<String, byte[]> noCaption = new LinkedHashMap<>();
        noCaption.put("k1.jpg", new byte[] {1});
        writeTar(dir.resolve("a.tar"), noCaption);
        assertMessage(List.of(dir.resolve("a.tar")), "image k1.jpg has no caption member k1.txt");

        Map<String, byte[]> noImage = new LinkedHashMap<>();
        noImage.put("k2.txt", utf8("x"));
        writeTar(dir.resolve("b.tar"), noImage);
        assertMessage(List.of(dir.resolve("b.tar")), "caption k2.txt has no image member");

        Map<String, byte[]> ok = Map.of("k3.jpg", new byte[] {1}, "k3.txt", utf8("x"));
        writeTar(dir.resolve("c.tar"), ok);
        assertMessage(List.of(dir.resolve("c.tar"), dir.resolve("c.tar")), "key 'k3' appears in");

        Path gz = dir.resolve("d.tar.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(Files.readAllBytes(dir.resolve("c.tar")));
        }
        assertMessage(List.of(gz), "gzip-compressed");
        Files.write(dir.resolve("e.tar"), utf8("not a tar archive ".repeat(40)));
        assertMessage(List.of(dir.resolve("e.tar")), "corrupt tar header at byte 0");
        Files.write(dir.resolve("e.tar"), utf8("short"));
        assertMessage(List.of(dir.resolve("e.tar")), "is not a tar archive (5 bytes");
        writeTar(dir.resolve("f.tar"), Map.of("big.jpg", new byte[600]));
        byte[] whole = Files.readAllBytes(dir.resolve("f.tar"));
        Files.write(dir.resolve("f.tar"), java.util.Arrays.copyOf(whole, 512 + 512 + 300)); // dir, header, part
        assertMessage(List.of(dir.resolve("f.tar")), "runs past the end");
        assertMessage(List.of(dir.resolve("missing.tar")), "does not exist");
    }

    private static void assertMessage(List<Path> shards, String part) {
        DatasetException e = assertThrows(DatasetException.class, () -> TarImageTextDataset.open(shards));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
