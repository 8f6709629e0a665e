package dev.seedj.spark;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * Finds the {@link SequenceFormat} of a language model directory by the {@code model_type} of its
 * {@code config.json}, among the {@link SequenceFormatProvider}s on the class path, and keeps one per JVM (an
 * executor loads the text tokenizer once for all its tasks). A directory on a non-local file system is copied
 * to local disk first, without its weight files (only the tokenizer and config files are needed).
 *
 * <p>Thread-safe.
 */
public final class SequenceFormats {
    private static final List<String> WEIGHT_SUFFIXES = List.of(".safetensors", ".bin", ".pth", ".pt", ".ckpt");
    private static final Map<String, SequenceFormat> LOADED = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LOADED.values().forEach(SequenceFormat::close),
                "seedj-sequence-format-close"));
    }

    private SequenceFormats() {}

    /**
     * @param llmDir a local language model directory
     * @param numCodes the image codebook size
     * @return a new format (the caller closes it)
     * @throws IllegalArgumentException if no provider supports the model's {@code model_type}
     */
    public static SequenceFormat load(Path llmDir, int numCodes) {
        String type = modelType(llmDir);
        List<String> known = new ArrayList<>();
        for (SequenceFormatProvider p : ServiceLoader.load(SequenceFormatProvider.class,
                SequenceFormats.class.getClassLoader())) {
            if (p.supports(type)) {
                return p.load(llmDir, numCodes);
            }
            known.add(p.getClass().getName());
        }
        throw new IllegalArgumentException("no sequence format for model_type '" + type + "' of " + llmDir
                + " (providers: " + known + "); add a SequenceFormatProvider for that family");
    }

    /** This JVM's format of a model directory given as a local path or Hadoop URI. */
    static SequenceFormat shared(String llmUri, int numCodes, Configuration conf) {
        return LOADED.computeIfAbsent(llmUri + "|" + numCodes, k -> load(local(llmUri, conf), numCodes));
    }

    private static Path local(String llmUri, Configuration conf) {
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(llmUri);
        try {
            FileSystem fs = dir.getFileSystem(conf);
            String scheme = fs.getUri().getScheme();
            if (scheme == null || scheme.equals("file")) {
                return Path.of(fs.makeQualified(dir).toUri());
            }
            Path local = Files.createTempDirectory("seedj-llm-");
            local.toFile().deleteOnExit();
            for (FileStatus f : fs.listStatus(dir)) {
                String name = f.getPath().getName();
                if (f.isFile() && WEIGHT_SUFFIXES.stream().noneMatch(name.toLowerCase(Locale.ROOT)::endsWith)) {
                    fs.copyToLocalFile(f.getPath(), new org.apache.hadoop.fs.Path(local.resolve(name).toUri()));
                    local.resolve(name).toFile().deleteOnExit();
                }
            }
            return local;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fetch the language model files " + llmUri + ": "
                    + e.getMessage(), e);
        }
    }

    private static String modelType(Path llmDir) {
        Path config = llmDir.resolve("config.json");
        try {
            JsonElement root = JsonParser.parseString(Files.readString(config, StandardCharsets.UTF_8));
            JsonElement type = root.isJsonObject() ? root.getAsJsonObject().get("model_type") : null;
            if (type == null || !type.isJsonPrimitive()) {
                throw new IllegalArgumentException(config + " has no \"model_type\"");
            }
            return type.getAsString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + config + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(config + ": " + e.getMessage(), e);
        }
    }
}
