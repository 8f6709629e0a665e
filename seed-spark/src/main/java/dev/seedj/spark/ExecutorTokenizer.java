package dev.seedj.spark;

import dev.seedj.tokenizer.SeedTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tokenizers of this JVM: one {@link SeedTokenizer} per model fingerprint, loaded on first use and shared by
 * every task the executor runs (the tokenizer is thread-safe), closed when the JVM exits. A model directory on
 * a non-local file system (HDFS, S3, GCS, ...) is copied once to a local temporary directory first.
 *
 * <p>Thread-safe: concurrent first calls load the model once.
 */
final class ExecutorTokenizer {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorTokenizer.class);

    private static final Map<String, SeedTokenizer> LOADED = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LOADED.values().forEach(SeedTokenizer::close),
                "seedj-tokenizer-close"));
    }

    private ExecutorTokenizer() {}

    /**
     * @param model the model the driver planned with
     * @param conf reaches the model's file system
     * @return this JVM's tokenizer of that model
     */
    static SeedTokenizer get(ModelInfo model, Configuration conf) {
        return LOADED.computeIfAbsent(model.fingerprint(), fp -> load(model, conf));
    }

    /** @return how many tokenizers this JVM has loaded (one per model, however many tasks ran) */
    static int loads() {
        return LOADS.get();
    }

    private static SeedTokenizer load(ModelInfo model, Configuration conf) {
        long start = System.nanoTime();
        Path dir = new Path(model.modelUri());
        try {
            FileSystem fs = dir.getFileSystem(conf);
            java.nio.file.Path local;
            if (fs.getUri().getScheme() == null || fs.getUri().getScheme().equals("file")) {
                local = java.nio.file.Path.of(fs.makeQualified(dir).toUri());
            } else {
                local = Files.createTempDirectory("seedj-model-");
                deleteOnExit(local);
                FileSystem localFs = FileSystem.getLocal(conf);
                for (String file : model.files()) {
                    FileUtil.copy(fs, new Path(dir, file), localFs,
                            new Path(local.resolve(file).toUri()), false, conf);
                }
            }
            SeedTokenizer tokenizer = SeedTokenizer.load(local);
            LOADS.incrementAndGet();
            LOG.info("loaded the SEED tokenizer {} from {} in {} ms", model.fingerprint().substring(0, 12), local,
                    (System.nanoTime() - start) / 1_000_000);
            return tokenizer;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fetch the tokenizer " + dir + " to this executor: "
                    + e.getMessage(), e);
        }
    }

    private static void deleteOnExit(java.nio.file.Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Stream<java.nio.file.Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                LOG.warn("cannot delete the model copy {}: {}", dir, e.getMessage());
            }
        }, "seedj-model-cleanup"));
    }
}
