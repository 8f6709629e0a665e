package dev.seedj.spark;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.seedj.core.bench.CopyBandwidth;
import dev.seedj.core.bench.MatmulThroughput;
import dev.seedj.core.bench.ProcessMemory;
import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.core.image.ResizeMode;
import dev.seedj.tokenizer.SeedTokenizer;
import dev.seedj.tokenizer.TokenizerConfig;
import dev.seedj.tokenizer.model.VisualTokenizerModel;
import dev.seedj.tokenizer.train.TokenizerTraining;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images per second for the same generated images through the plain API in this JVM, and through the tokenize
 * job on Spark {@code local[1]}, {@code local[2]} and {@code local-cluster[2,1,M]} (two executor JVMs), for
 * SEED-mini and a ViT-B-sized tokenizer with random weights (the sizes of seed-examples' TokenizerBenchmark:
 * EVA ViT-B/14 at 224, bert-base Q-Former, SEED v1 decoder; written to a model directory first). Every mode runs
 * one libtorch thread per task, so the per-core rate of a mode is its rate over its task slots. The plain API is
 * timed on one thread and on two threads sharing the tokenizer (each on one libtorch thread); a Spark mode is
 * compared with the plain run on as many threads as it has task slots, so that both use the same cores (on one
 * thread the plain API also has the idle second core for the JVM's compiler and collector threads). The overhead per
 * image is {@code 1 / per-core rate - 1 / plain per-core rate}. Every run is warmed up first on a tenth of the images (at
 * least 16): the plain API tokenizes them untimed, and each Spark mode runs them as a warm-up job of 8 tasks in the same
 * session (loading the model and compiling the hot code in every executor JVM, as the plain API's JVM is by then), then
 * the timed job into a fresh output.
 *
 * <p>Tagged {@code benchmark}: not part of the normal test run. Run on an idle machine with
 * <pre>{@code
 * ./mvnw -B -o -pl seed-spark -am test -Dtest=SparkTokenizeBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dseedj.excludedGroups=none -Dseedj.bench.images=2000 -Dseedj.bench.models=mini,vitb [-Dseedj.bench.chunk=1000]
 * }</pre>
 * It prints one Markdown table row per model and mode, after the machine's figures of the same run: the load
 * average, the float32 1024^3 matrix-multiply rate on this JVM's libtorch threads and the copy bandwidth with one
 * thread per core; the load average is printed again at the end.
 */
@Tag("benchmark")
class SparkTokenizeBenchmark {
    /**
     * Image files per task and output file: the job's default (1000) unless {@code -Dseedj.bench.chunk} says
     * otherwise. Each chunk costs a task launch and a Parquet file (writer, ZSTD codec, rename), so small chunks add
     * a fixed cost per chunk that shows with a fast model; give as many chunks as task slots at least.
     */
    private static final int CHUNK_SIZE = Integer.getInteger("seedj.bench.chunk", 1000);

    /** The Spark masters timed, in order: all three unless {@code -Dseedj.bench.masters} names fewer. */
    private static final List<String> MASTERS = List.of(System.getProperty("seedj.bench.masters",
            "local[1];local[2];local-cluster[2,1,3072]").split(";"));

    @TempDir
    Path tmp;

    @Test
    void imagesPerSecond() throws IOException {
        int images = Integer.getInteger("seedj.bench.images", 2000);
        List<String> models = List.of(System.getProperty("seedj.bench.models", "mini,vitb").split(","));
        Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
        TestCorpus corpus = new TestCorpus(tmp.resolve("corpus")).imageDirectory(images);
        int warmupImages = Math.max(16, images / 10);
        Path warmup = Files.createDirectories(tmp.resolve("warmup"));
        try (Stream<Path> files = Files.walk(corpus.root.resolve("images/a"))) {
            for (Path f : files.filter(Files::isRegularFile).limit(warmupImages).toList()) {
                Files.copy(f, warmup.resolve(f.getFileName()));
            }
        }
        int inputs = corpus.expected.size();
        System.out.printf(Locale.ROOT, "%d inputs (%d images + 5 bad files)%n", inputs, images);
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "load average (1 min) %.2f; fp32 matmul 1024^3 %.1f GFLOP/s; copy bandwidth"
                + " %.1f GB/s (%d threads, read + write)%n", ProcessMemory.loadAverage(),
                MatmulThroughput.gflops(1024, 5, 4, Device.cpu()), CopyBandwidth.gbs(1L << 28, cores), cores);
        System.out.println("| model | mode | task slots | images/s | per core | per core / plain | overhead ms/image |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        for (String name : models) {
            Path model = switch (name.strip()) {
                case "mini" -> TokenizeJobTest.MODEL;
                case "vitb" -> vitB(tmp.resolve("vitb"));
                default -> throw new IllegalArgumentException("unknown model " + name + " (mini, vitb)");
            };
            double plain = plain(model, corpus, 1, warmupImages);
            row(name, "plain API, 1 thread", 1, plain, plain);
            double plainTwo = plain(model, corpus, 2, warmupImages);
            row(name, "plain API, 2 threads", 2, plainTwo, plainTwo / 2);
            for (String master : MASTERS) {
                int slots = master.equals("local[1]") ? 1 : 2;
                // each mode against the plain API on as many threads as it has task slots
                row(name, master, slots, spark(master, model, corpus, warmup, warmupImages),
                        slots == 1 ? plain : plainTwo / 2);
            }
        }
        System.out.printf(Locale.ROOT, "load average (1 min) at the end %.2f%n", ProcessMemory.loadAverage());
    }

    /** Prints a mode's row; {@code plainPerCore} is the per-core rate of the plain run it is compared with. */
    private static void row(String model, String mode, int slots, double rate, double plainPerCore) {
        double perCore = rate / slots;
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f | %.0f%% | %.2f |%n", model, mode, slots, rate,
                perCore, 100 * perCore / plainPerCore, 1000 * (1 / perCore - 1 / plainPerCore));
    }

    /**
     * Decode + tokenize in batches of 8, as a task does, in this JVM: the images split between {@code threads}
     * threads sharing one tokenizer, each on one libtorch thread, after {@code warmupImages} untimed.
     *
     * @return images per second of all threads together
     */
    private static double plain(Path model, TestCorpus corpus, int threads, int warmupImages) {
        try (SeedTokenizer tokenizer = SeedTokenizer.load(model)) {
            List<byte[]> all = corpus.expected.values().stream().map(TestCorpus.Expected::bytes).toList();
            run(tokenizer, all.subList(0, Math.min(warmupImages, all.size())));
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Callable<Void>> parts = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    List<byte[]> part = all.subList(t * all.size() / threads, (t + 1) * all.size() / threads);
                    parts.add(() -> {
                        JniUtils.setNumThreads(1); // OpenMP's team size is per calling thread, as in a task
                        run(tokenizer, part);
                        return null;
                    });
                }
                long start = System.nanoTime();
                for (Future<Void> done : pool.invokeAll(parts)) {
                    done.get();
                }
                return all.size() / ((System.nanoTime() - start) / 1e9);
            } catch (InterruptedException | ExecutionException e) {
                throw new IllegalStateException("the plain-API run failed", e);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static void run(SeedTokenizer tokenizer, List<byte[]> inputs) {
        List<BufferedImage> batch = new ArrayList<>();
        for (byte[] bytes : inputs) {
            try {
                batch.add(ImagePreprocessor.decode(bytes));
            } catch (RuntimeException e) {
                continue; // the bad files: the job makes error rows of them
            }
            if (batch.size() == 8) {
                tokenizer.tokenize(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            tokenizer.tokenize(batch);
        }
    }

    private double spark(String master, Path model, TestCorpus corpus, Path warmup, int warmupImages) {
        SparkSession spark = SparkSession.builder().master(master).appName("seedj-bench")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.memory", "2g")
                .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executor.extraJavaOptions", "-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1"
                        + " -Dai.djl.pytorch.num_interop_threads=1")
                .getOrCreate();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try {
            TokenizeJob.fromArgs("--model", model.toString(), "--images", warmup.toString(),
                    "--output", tmp.resolve("out-warmup-" + System.nanoTime()).toString(),
                    "--chunk-size", Integer.toString((warmupImages + 7) / 8))
                    .progressTo(quiet).run(spark);
            TokenizeSummary s = TokenizeJob.fromArgs("--model", model.toString(),
                    "--images", corpus.root.resolve("images").toString(),
                    "--output", tmp.resolve("out-" + System.nanoTime()).toString(),
                    "--chunk-size", Integer.toString(CHUNK_SIZE), "--batch-size", "8", "--threads-per-task", "1")
                    .progressTo(quiet).run(spark);
            return s.rows() / s.seconds();
        } finally {
            spark.stop();
        }
    }

    /** A ViT-B-sized SEED v1 tokenizer with random weights, written as a model directory. */
    private static Path vitB(Path dir) throws IOException {
        Files.createDirectories(dir);
        TokenizerConfig config = new TokenizerConfig(TokenizerConfig.Version.V1, 224, ResizeMode.BICUBIC,
                new float[] {0.48145466f, 0.4578275f, 0.40821073f},
                new float[] {0.26862954f, 0.26130258f, 0.27577711f},
                new TokenizerConfig.Vision(14, 768, 12, 12, 4.3637, 1e-6f, 1e-5f),
                new TokenizerConfig.QFormer(768, 12, 12, 3072, 2, 32, 1e-12f),
                new TokenizerConfig.Codebook(8192, 32),
                new TokenizerConfig.Decoder(4, 12, 4.0, 1e-6f, 768, 4, 77, List.of()),
                List.of(new TokenizerConfig.WeightFile(TokenizerTraining.MODEL_FILE, "")));
        VisualTokenizerModel network = new VisualTokenizerModel(config);
        try (NDManager manager = NDManager.newBaseManager()) {
            network.initializeParameters(manager);
            TokenizerTraining.export(network, config, dir);
        }
        return dir;
    }
}
