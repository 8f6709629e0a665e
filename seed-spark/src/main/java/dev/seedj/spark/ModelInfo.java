package dev.seedj.spark;

import dev.seedj.tokenizer.TokenizerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What the driver knows about the tokenizer before any task runs: its config, the SHA-256 of its config and
 * weight files, and the key/value metadata written into every output Parquet file:
 * <ul>
 *   <li>{@value #SEEDJ_VERSION}: the SEED-J version;</li>
 *   <li>{@value #TOKENIZER_VERSION}: {@code v1} or {@code v2};</li>
 *   <li>{@value #CODEBOOK_SIZE} and {@value #NUM_CODES}: codebook entries and codes per image;</li>
 *   <li>{@value #SHA256_PREFIX}{@code <file>}: the SHA-256 of {@code seed-tokenizer.json} and of every weight
 *       file (a weight directory: of its files, by relative path).</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 *
 * @param modelUri the model directory's Hadoop URI (or local path)
 * @param files the files a tokenizer needs, relative to the directory: the config and the weight files
 * @param metadata the Parquet key/value metadata, in a fixed order
 * @param fingerprint SHA-256 over the metadata: identifies the codes this model produces
 * @serial exclude
 */
public record ModelInfo(String modelUri, List<String> files, Map<String, String> metadata, String fingerprint)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Metadata key of the SEED-J version. */
    public static final String SEEDJ_VERSION = "seedj.version";
    /** Metadata key of the tokenizer generation ({@code v1}, {@code v2}). */
    public static final String TOKENIZER_VERSION = "seedj.tokenizer.version";
    /** Metadata key of the codebook size. */
    public static final String CODEBOOK_SIZE = "seedj.tokenizer.codebook_size";
    /** Metadata key of the number of codes per image. */
    public static final String NUM_CODES = "seedj.tokenizer.num_codes";
    /** Prefix of the metadata keys holding a model file's SHA-256. */
    public static final String SHA256_PREFIX = "seedj.tokenizer.sha256.";

    /**
     * @param modelUri the model directory's Hadoop URI (or local path)
     * @param files the files a tokenizer needs, relative to the directory
     * @param metadata the Parquet key/value metadata
     * @param fingerprint SHA-256 over the metadata
     */
    public ModelInfo {
        files = List.copyOf(files);
        metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /**
     * Reads the config and hashes the model's files through Hadoop's file system.
     *
     * @param modelUri the model directory: a local path or any Hadoop URI
     * @param conf the Hadoop configuration
     * @return the model's description
     * @throws UncheckedIOException naming the file that cannot be read
     */
    public static ModelInfo read(String modelUri, Configuration conf) {
        Path dir = new Path(modelUri);
        try {
            FileSystem fs = dir.getFileSystem(conf);
            Path configFile = new Path(dir, TokenizerConfig.FILE_NAME);
            if (!fs.exists(configFile) || !fs.getFileStatus(configFile).isFile()) {
                throw new IOException("the model directory " + dir + " has no " + TokenizerConfig.FILE_NAME);
            }
            String json;
            try (InputStream in = fs.open(configFile)) {
                json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            TokenizerConfig config = TokenizerConfig.parse(json);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put(SEEDJ_VERSION, seedjVersion());
            meta.put(TOKENIZER_VERSION, config.version().jsonName());
            meta.put(CODEBOOK_SIZE, Integer.toString(config.codebook().size()));
            meta.put(NUM_CODES, Integer.toString(config.numCodes()));
            meta.put(SHA256_PREFIX + TokenizerConfig.FILE_NAME, sha256(fs, configFile));
            List<String> files = new ArrayList<>(List.of(TokenizerConfig.FILE_NAME));
            for (TokenizerConfig.WeightFile w : config.weights()) {
                hashAll(fs, new Path(dir, w.file()), w.file(), meta);
                files.add(w.file());
            }
            MessageDigest sha = Chunk.sha256();
            meta.forEach((k, v) -> sha.update((k + "=" + v + "\n").getBytes(StandardCharsets.UTF_8)));
            return new ModelInfo(dir.toString(), files, meta, HexFormat.of().formatHex(sha.digest()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tokenizer at " + modelUri + ": " + e.getMessage(), e);
        }
    }

    /** @return the number of codes per image */
    public int numCodes() {
        return Integer.parseInt(metadata.get(NUM_CODES));
    }

    /** @return the SEED-J version this library was built as */
    public static String seedjVersion() {
        Properties p = new Properties();
        try (InputStream in = ModelInfo.class.getResourceAsStream("seedj-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            p.load(in);
        } catch (IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }

    private static void hashAll(FileSystem fs, Path path, String name, Map<String, String> meta) throws IOException {
        if (!fs.exists(path)) {
            throw new IOException("the weight file " + path + " named in " + TokenizerConfig.FILE_NAME
                    + " does not exist");
        }
        FileStatus status = fs.getFileStatus(path);
        if (status.isFile()) {
            meta.put(SHA256_PREFIX + name, sha256(fs, path));
            return;
        }
        FileStatus[] children = fs.listStatus(path);
        java.util.Arrays.sort(children);
        for (FileStatus child : children) {
            hashAll(fs, child.getPath(), name + "/" + child.getPath().getName(), meta);
        }
    }

    private static String sha256(FileSystem fs, Path file) throws IOException {
        MessageDigest sha = Chunk.sha256();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = fs.open(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
