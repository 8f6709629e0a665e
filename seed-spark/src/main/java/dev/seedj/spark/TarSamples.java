package dev.seedj.spark;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Streams the samples of a webdataset tar shard, as SEED and LAION ship them: members sharing a key (the
 * member path up to the first dot of its file name) form a sample, {@code <key>.jpg|jpeg|png|webp} its image,
 * {@code <key>.txt} its caption, else the {@code caption} (or {@code text}) field of {@code <key>.json}.
 * Members of one key are adjacent, as webdataset writes them. Nothing is dropped: a key without an image member
 * is a failed sample, and a corrupt or truncated archive ends with a failed sample naming the shard and the
 * position. Apache Commons Compress reads the tar (ustar, pax, GNU); a {@code .gz}/{@code .tgz} shard is
 * gunzipped on the fly.
 *
 * <p>Stateless and thread-safe.
 */
final class TarSamples {
    private static final List<String> IMAGE_EXTENSIONS = List.of("jpg", "jpeg", "png", "webp");

    private TarSamples() {}

    /**
     * @param in the shard's bytes; not closed
     * @param shard the shard's URI, for sources and messages
     * @param out receives the samples in archive order
     */
    static void read(InputStream in, String shard, Consumer<Sample> out) {
        Group group = null;
        long members = 0;
        try {
            InputStream raw = shard.endsWith(".gz") || shard.endsWith(".tgz") ? new GzipCompressorInputStream(in) : in;
            TarArchiveInputStream tar = new TarArchiveInputStream(raw);
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                members++;
                if (!entry.isFile()) {
                    continue;
                }
                String name = entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
                int slash = name.lastIndexOf('/');
                int dot = name.indexOf('.', slash + 1);
                String key = dot < 0 ? name : name.substring(0, dot);
                String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
                if (group == null || !group.key.equals(key)) {
                    if (group != null) {
                        out.accept(group.sample(shard));
                    }
                    group = new Group(key);
                }
                group.current = name;
                byte[] data = tar.readAllBytes();
                if (IMAGE_EXTENSIONS.contains(ext) && group.image == null) {
                    group.image = data;
                    group.imageName = name;
                } else if (ext.equals("txt")) {
                    group.caption = new String(data, StandardCharsets.UTF_8).strip();
                } else if (ext.equals("json") && group.caption == null) {
                    group.caption = jsonCaption(data);
                }
                group.current = null;
            }
            if (group != null) {
                out.accept(group.sample(shard));
            } else {
                out.accept(Sample.failed(shard, null, "the tar archive holds no sample (" + members + " members)"));
            }
        } catch (IOException | RuntimeException e) {
            String where = group != null && group.current != null ? shard + "#" + group.current : shard;
            String problem = "corrupt or truncated tar archive after " + members + " members: " + e.getMessage();
            if (group != null && group.current == null) {
                out.accept(group.sample(shard)); // the last complete sample before the damage
            }
            out.accept(Sample.failed(where, group == null ? null : group.caption, problem));
        }
    }

    private static String jsonCaption(byte[] data) {
        try {
            JsonElement root = JsonParser.parseString(new String(data, StandardCharsets.UTF_8));
            if (root.isJsonObject()) {
                for (String field : List.of("caption", "text")) {
                    JsonElement e = root.getAsJsonObject().get(field);
                    if (e != null && e.isJsonPrimitive()) {
                        return e.getAsString().strip();
                    }
                }
            }
        } catch (RuntimeException e) {
            // a malformed .json is metadata we cannot use: the sample keeps no caption
        }
        return null;
    }

    /** The members of one key read so far. */
    private static final class Group {
        final String key;
        byte[] image;
        String imageName;
        String caption;
        String current;

        Group(String key) {
            this.key = key;
        }

        Sample sample(String shard) {
            if (image == null) {
                return Sample.failed(shard + "#" + key, caption, "the sample '" + key + "' has no image member ("
                        + String.join(", ", IMAGE_EXTENSIONS) + ")");
            }
            return Sample.of(shard + "#" + imageName, caption, image);
        }
    }
}
