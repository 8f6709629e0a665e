package dev.seedj.core.train;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Image-text pairs in webdataset-style tar shards: each example is a group of members sharing a key (the member
 * path up to the first dot of its file name), here {@code <key>.jpg}, {@code .jpeg} or {@code .png} with
 * {@code <key>.txt} (UTF-8 caption, surrounding whitespace stripped). Other extensions ({@code .json},
 * {@code .cls}, ...) are ignored. Shards must be uncompressed tar (ustar, pax or GNU long names), read by a
 * small built-in tar reader; captions are read when opening, image bytes on each {@link #get} by positional
 * reads.
 *
 * <p>Thread-safe: positional channel reads do not share a file position; {@link #close()} must not race with
 * {@link #get}.
 */
public final class TarImageTextDataset implements ImageTextDataset {
    private static final List<String> IMAGE_EXTENSIONS = List.of("jpg", "jpeg", "png");

    private final List<FileChannel> channels;
    private final List<Member> members;

    /** Where one example's image lies. */
    private record Member(String key, String imageName, int shard, long offset, long size, String caption) {}

    private TarImageTextDataset(List<FileChannel> channels, List<Member> members) {
        this.channels = channels;
        this.members = members;
    }

    /**
     * Indexes the shards and reads every caption.
     *
     * @param shards one or more {@code .tar} files; examples are numbered shard by shard in member order
     * @return the dataset
     * @throws DatasetException naming the shard and key of the first problem (compressed or corrupt tar, an image
     *     without caption or the reverse, a key seen twice)
     */
    public static TarImageTextDataset open(List<Path> shards) {
        if (shards.isEmpty()) {
            throw new DatasetException("no tar shards given");
        }
        List<Member> members = new ArrayList<>();
        Map<String, Path> seen = new LinkedHashMap<>();
        List<FileChannel> channels = new ArrayList<>();
        try {
            for (int s = 0; s < shards.size(); s++) {
                Path shard = shards.get(s);
                if (!Files.isRegularFile(shard)) {
                    throw new DatasetException("tar shard " + shard + " does not exist");
                }
                checkNotCompressed(shard);
                FileChannel channel = FileChannel.open(shard, StandardOpenOption.READ);
                channels.add(channel);
                for (Member m : index(shard, channel, s)) {
                    Path previous = seen.putIfAbsent(m.key(), shard);
                    if (previous != null) {
                        throw new DatasetException("key '" + m.key() + "' appears in " + previous + " and again in "
                                + shard);
                    }
                    members.add(m);
                }
            }
        } catch (IOException | RuntimeException e) {
            closeAll(channels);
            if (e instanceof DatasetException de) {
                throw de;
            }
            throw new DatasetException("cannot open tar shards " + shards + ": " + e.getMessage(), e);
        }
        if (members.isEmpty()) {
            closeAll(channels);
            throw new DatasetException("tar shards " + shards + " hold no image-caption pairs");
        }
        return new TarImageTextDataset(List.copyOf(channels), List.copyOf(members));
    }

    @Override
    public int size() {
        return members.size();
    }

    @Override
    public ImageTextExample get(int index) {
        Member m = members.get(index);
        String shard = "tar shard #" + m.shard();
        try {
            byte[] image = TarIndex.read(channels.get(m.shard()), m.offset(), Math.toIntExact(m.size()), shard);
            return new ImageTextExample(m.key(), m.imageName(), image, m.caption());
        } catch (IOException e) {
            throw new DatasetException("cannot read the image of key '" + m.key() + "': " + e.getMessage(), e);
        }
    }

    /** Closes the shard files. */
    @Override
    public void close() {
        closeAll(channels);
    }

    private static List<Member> index(Path shard, FileChannel channel, int shardIndex) throws IOException {
        Map<String, TarIndex.Member> images = new LinkedHashMap<>();
        Map<String, String> imageNames = new LinkedHashMap<>();
        Map<String, String> captions = new LinkedHashMap<>();
        for (TarIndex.Member entry : TarIndex.list(channel, "tar shard " + shard)) {
            String name = entry.name().startsWith("./") ? entry.name().substring(2) : entry.name();
            int slash = name.lastIndexOf('/');
            int dot = name.indexOf('.', slash + 1);
            if (dot < 0) {
                continue;
            }
            String key = name.substring(0, dot);
            String ext = name.substring(dot + 1).toLowerCase(Locale.ROOT);
            if (IMAGE_EXTENSIONS.contains(ext)) {
                if (images.put(key, entry) != null) {
                    throw new DatasetException(shard + ": key '" + key + "' has more than one image");
                }
                imageNames.put(key, name);
            } else if (ext.equals("txt")) {
                byte[] text = TarIndex.read(channel, entry.offset(), Math.toIntExact(entry.size()), shard.toString());
                captions.put(key, new String(text, StandardCharsets.UTF_8).strip());
            }
        }
        List<Member> out = new ArrayList<>();
        for (Map.Entry<String, TarIndex.Member> e : images.entrySet()) {
            String key = e.getKey();
            String caption = captions.get(key);
            if (caption == null) {
                throw new DatasetException(shard + ": image " + imageNames.get(key) + " has no caption member "
                        + key + ".txt");
            }
            out.add(new Member(key, imageNames.get(key), shardIndex, e.getValue().offset(), e.getValue().size(),
                    caption));
        }
        for (String key : captions.keySet()) {
            if (!images.containsKey(key)) {
                throw new DatasetException(shard + ": caption " + key + ".txt has no image member " + key
                        + ".jpg/.jpeg/.png");
            }
        }
        return out;
    }

    private static void checkNotCompressed(Path shard) throws IOException {
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(shard)) {
            n = in.readNBytes(head, 0, head.length);
        }
        boolean gzip = n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
        boolean zstd = n >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd;
        if (gzip || zstd) {
            throw new DatasetException("tar shard " + shard + " is " + (gzip ? "gzip" : "zstd") + "-compressed;"
                    + " random access needs an uncompressed .tar (decompress it first)");
        }
    }

    private static void closeAll(List<FileChannel> channels) {
        for (FileChannel c : channels) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing a read-only channel loses nothing
            }
        }
    }
}
