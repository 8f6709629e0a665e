package dev.seedj.spark;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A small generated corpus in SEED-mini's world (one coloured shape on a plain background, drawn with java.awt):
 * a directory of PNG and JPEG files, webdataset tar shards, a JSONL manifest, and bad inputs of every kind.
 * {@link #expected} maps each input's name (its path below the corpus root, {@code #member} for tar members) to
 * what its row must hold.
 */
final class TestCorpus {
    /** One input: its bytes (null when there are none to read), its caption, whether it must be an error row. */
    record Expected(byte[] bytes, String caption, boolean bad) {}

    private static final Color[] COLOURS = {Color.RED, Color.GREEN, Color.BLUE, Color.ORANGE, Color.MAGENTA,
        Color.CYAN, Color.YELLOW, Color.BLACK};
    private static final String[] COLOUR_NAMES = {"red", "green", "blue", "orange", "magenta", "cyan", "yellow",
        "black"};

    final Path root;
    final Map<String, Expected> expected = new LinkedHashMap<>();
    private final Random random = new Random(15);
    private int drawn;

    TestCorpus(Path root) {
        this.root = root;
    }

    /** Image files below {@code images/}: good PNG and JPEG renders plus corrupt, truncated, empty and text files. */
    TestCorpus imageDirectory(int good) {
        for (int i = 0; i < good; i++) {
            boolean jpeg = i % 3 == 2;
            String name = String.format("images/%s/img-%03d.%s", i % 2 == 0 ? "a" : "b/c", i, jpeg ? "jpg" : "png");
            Render r = render(jpeg ? "jpg" : "png");
            write(name, r.bytes, new Expected(r.bytes, null, false));
        }
        byte[] png = render("png").bytes;
        byte[] jpg = render("jpg").bytes;
        byte[] corrupt = png.clone();
        for (int i = 40; i < corrupt.length; i++) {
            corrupt[i] = (byte) random.nextInt(256);
        }
        write("images/bad/corrupt.png", corrupt, new Expected(corrupt, null, true));
        byte[] truncated = Arrays.copyOf(jpg, jpg.length / 2);
        write("images/bad/truncated.jpg", truncated, new Expected(truncated, null, true));
        write("images/bad/empty.png", new byte[0], new Expected(new byte[0], null, true));
        byte[] text = "not an image at all\n".getBytes(StandardCharsets.UTF_8);
        write("images/bad/notes.txt", text, new Expected(text, null, true));
        write("images/bad/fake.jpg", text, new Expected(text, null, true));
        return this;
    }

    /** A good shard (with a .json caption, a caption-only key and a corrupt member), a truncated and an empty one. */
    TestCorpus tarShards(int samples) {
        Map<String, byte[]> members = new LinkedHashMap<>();
        for (int i = 0; i < samples; i++) {
            Render r = render("png");
            String key = String.format("%05d", i);
            members.put(key + ".png", r.bytes);
            if (i == 1) {
                String json = "{\"caption\": \"" + r.caption + "\", \"width\": 64}";
                members.put(key + ".json", json.getBytes(StandardCharsets.UTF_8));
            } else {
                members.put(key + ".txt", (r.caption + "\n").getBytes(StandardCharsets.UTF_8));
            }
            expected.put("shards/shard-000.tar#" + key + ".png", new Expected(r.bytes, r.caption, false));
        }
        byte[] garbage = "garbage".getBytes(StandardCharsets.UTF_8);
        members.put("bad01.jpg", garbage);
        members.put("bad01.txt", "a broken picture".getBytes(StandardCharsets.UTF_8));
        expected.put("shards/shard-000.tar#bad01.jpg", new Expected(garbage, "a broken picture", true));
        members.put("lonely.txt", "a caption without an image".getBytes(StandardCharsets.UTF_8));
        expected.put("shards/shard-000.tar#lonely", new Expected(null, "a caption without an image", true));
        byte[] tar = tar(members);
        writeRaw("shards/shard-000.tar", tar);

        Map<String, byte[]> second = new LinkedHashMap<>();
        Render first = render("png");
        Render cut = render("png");
        second.put("s1-0.png", first.bytes);
        second.put("s1-0.txt", first.caption.getBytes(StandardCharsets.UTF_8));
        second.put("s1-1.png", cut.bytes);
        byte[] whole = tar(second);
        // cut in the middle of the second image's data: the first sample survives, the second is an error row
        int secondImageData = 512 + padded(first.bytes.length) + 512 + padded(first.caption.length()) + 512;
        writeRaw("shards/nested/shard-001.tar", Arrays.copyOf(whole, secondImageData + cut.bytes.length / 2));
        expected.put("shards/nested/shard-001.tar#s1-0.png", new Expected(first.bytes, first.caption, false));
        expected.put("shards/nested/shard-001.tar#s1-1.png", new Expected(null, null, true));
        writeRaw("shards/shard-002.tar", new byte[0]);
        expected.put("shards/shard-002.tar", new Expected(null, null, true));
        return this;
    }

    /** {@code manifest.jsonl} over files in {@code manifest-images/}, by relative path, with a missing file. */
    TestCorpus manifest(int rows) {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            Render r = render(i % 2 == 0 ? "png" : "jpg");
            String name = String.format("manifest-images/m-%02d.%s", i, i % 2 == 0 ? "png" : "jpg");
            String caption = i == 3 ? null : r.caption;
            writeRaw(name, r.bytes);
            expected.put(name, new Expected(r.bytes, caption, false));
            jsonl.append("{\"image\": \"").append(name.substring("manifest-images/".length())).append('"');
            jsonl.append(caption == null ? "" : ", \"caption\": \"" + caption + "\"").append("}\n");
        }
        jsonl.append("{\"image\": \"missing.png\", \"caption\": \"gone\"}\n");
        expected.put("manifest-images/missing.png", new Expected(null, "gone", true));
        writeRaw("manifest-images/manifest.jsonl", jsonl.toString().getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** @return the name of a row's source below the corpus root */
    String name(String source) {
        int hash = source.indexOf('#');
        String file = hash < 0 ? source : source.substring(0, hash);
        String path = new org.apache.hadoop.fs.Path(file).toUri().getPath();
        String rel = root.toUri().getPath().endsWith("/") ? root.toUri().getPath() : root.toUri().getPath() + "/";
        if (!path.startsWith(rel)) {
            throw new AssertionError(source + " is not below " + root);
        }
        return path.substring(rel.length()) + (hash < 0 ? "" : source.substring(hash));
    }

    private record Render(byte[] bytes, String caption) {}

    /** One SEED-mini-style render: a filled circle or square of one colour on white, at a random place. */
    private Render render(String format) {
        int size = 48 + random.nextInt(3) * 16; // 48, 64 or 80 pixels: the tokenizer resizes to 64
        int colour = random.nextInt(COLOURS.length);
        boolean circle = random.nextBoolean();
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, size, size);
        g.setColor(COLOURS[colour]);
        int side = size / 4 + random.nextInt(size / 3);
        int x = random.nextInt(size - side);
        int y = random.nextInt(size - side);
        if (circle) {
            g.fillOval(x, y, side, side);
        } else {
            g.fillRect(x, y, side, side);
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        drawn++;
        return new Render(out.toByteArray(), "a " + (side > size / 2 ? "large" : "small") + " "
                + COLOUR_NAMES[colour] + " " + (circle ? "circle" : "square") + " #" + drawn);
    }

    private void write(String name, byte[] bytes, Expected e) {
        writeRaw(name, bytes);
        expected.put(name, e);
    }

    private void writeRaw(String name, byte[] bytes) {
        try {
            Path file = root.resolve(name);
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int padded(int size) {
        return (size + 511) / 512 * 512;
    }

    private static byte[] tar(Map<String, byte[]> members) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream sink = bytes; TarArchiveOutputStream tar = new TarArchiveOutputStream(sink)) {
            for (Map.Entry<String, byte[]> m : members.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(m.getKey());
                entry.setSize(m.getValue().length);
                entry.setModTime(0);
                tar.putArchiveEntry(entry);
                tar.write(m.getValue());
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
