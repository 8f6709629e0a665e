package dev.seedj.examples.bench;

import static dev.seedj.examples.bench.MarkdownRows.format;
import static dev.seedj.examples.bench.MarkdownRows.row;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.bench.CopyBandwidth;
import dev.seedj.core.bench.MatmulThroughput;
import dev.seedj.core.bench.ProcessMemory;
import dev.seedj.core.image.ResizeMode;
import dev.seedj.tokenizer.Encoding;
import dev.seedj.tokenizer.SeedTokenizer;
import dev.seedj.tokenizer.TokenizerConfig;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tokenizer speed benchmark of issue 3: a SEED v1 tokenizer with random weights at the bench sizes
 * (EVA ViT width 768, depth 12, 12 heads, MLP ratio 4.3637, image 224, patch 14; a bert-base Q-Former; the
 * v1 decoder), timed for {@code encode} and {@code detokenize} at batch 1 and 8, beside the machine's
 * float32 1024^3 matrix-multiply throughput and copy bandwidth measured in the same run, and the process's peak
 * resident memory against the weight bytes, also above the runtime ({@link RuntimeMemory}).
 *
 * <p>Run: {@code java -Xmx512m -cp ... dev.seedj.examples.bench.TokenizerBenchmark [seconds-per-measurement]}.
 * libtorch's thread counts come from {@code -Dai.djl.pytorch.num_threads} and
 * {@code -Dai.djl.pytorch.num_interop_threads} (defaults set by {@link #main}: all cores, 1), which must
 * be set before the engine starts.
 *
 * <p>Not thread-safe: run one benchmark per process, with nothing else computing.
 */
public final class TokenizerBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(TokenizerBenchmark.class);
    /** Bytes of each array of the copy-bandwidth measurement (two of them fit the 512 MiB heap of {@link #main}). */
    private static final long COPY_BYTES = 128L << 20;

    /**
     * What one run measured. Immutable and thread-safe.
     *
     * @param threads libtorch intra-op threads
     * @param matmulGflops float32 1024 x 1024 x 1024 matrix-multiply throughput, GFLOP/s
     * @param encodeBatch1 images/s of {@code encode} at batch 1
     * @param encodeBatch8 images/s of {@code encode} at batch 8
     * @param detokenizeBatch1 images/s of {@code detokenize} at batch 1
     * @param detokenizeBatch8 images/s of {@code detokenize} at batch 8
     * @param encodeGflopPerImage GFLOP of one image's {@code encode} (2 per multiply-add)
     * @param weightBytes bytes of the float32 weights
     * @param peakResidentBytes the process's peak resident memory (VmHWM), or -1 off Linux
     * @param runtimeResidentBytes the part of the peak that does not grow with the model ({@link RuntimeMemory}),
     *     or -1 off Linux
     * @param copyGbs copy bandwidth with one thread per core, GB/s (bytes read + written), measured after the peak
     * @param loadAverage the machine's 1-minute load average at the end of the run (other work competing for
     *     the cores makes every figure lower), or -1 off Linux
     */
    public record Result(int threads, double matmulGflops, double encodeBatch1, double encodeBatch8,
            double detokenizeBatch1, double detokenizeBatch8, double encodeGflopPerImage, long weightBytes,
            long peakResidentBytes, long runtimeResidentBytes, double copyGbs, double loadAverage) {

        /** @return GFLOP/s sustained by {@code encode} at batch 8 */
        public double encodeGflops() {
            return encodeBatch8 * encodeGflopPerImage;
        }

        /** @return {@link #encodeGflops()} over {@link #matmulGflops()} (the goal is at least 0.75) */
        public double fractionOfMatmul() {
            return encodeGflops() / matmulGflops;
        }

        /** @return peak resident memory over weight bytes */
        public double peakOverWeights() {
            return peakResidentBytes / (double) weightBytes;
        }

        /** @return the peak less the runtime, over weight bytes (issue 14's goal: at most 1.2) */
        public double peakAboveRuntimeOverWeights() {
            return (peakResidentBytes - runtimeResidentBytes) / (double) weightBytes;
        }

        /** @return the figures as a Markdown table */
        public String toMarkdown() {
            StringBuilder s = new StringBuilder();
            s.append("| measurement | value |\n| --- | --- |\n");
            row(s, "libtorch intra-op threads", Integer.toString(threads));
            row(s, "machine load average (1 min, at the end)", loadAverage < 0 ? "n/a" : format("%.2f", loadAverage));
            row(s, "fp32 matmul 1024^3", format("%.1f GFLOP/s", matmulGflops));
            row(s, "copy bandwidth, all cores (read + write)", format("%.1f GB/s", copyGbs));
            row(s, "encode, batch 1", format("%.2f images/s", encodeBatch1));
            row(s, "encode, batch 8", format("%.2f images/s", encodeBatch8));
            row(s, "detokenize, batch 1", format("%.1f images/s", detokenizeBatch1));
            row(s, "detokenize, batch 8", format("%.1f images/s", detokenizeBatch8));
            row(s, "encode FLOPs per image", format("%.2f GFLOP", encodeGflopPerImage));
            row(s, "encode throughput, batch 8", format("%.1f GFLOP/s = %.0f%% of matmul (goal >= 75%%)",
                    encodeGflops(), 100 * fractionOfMatmul()));
            row(s, "weights (fp32)", format("%.0f MB", weightBytes / 1e6));
            if (peakResidentBytes < 0) {
                row(s, "peak resident memory", "n/a");
                return s.toString();
            }
            row(s, "runtime (resident after a tiny tokenizer ran and was freed)",
                    format("%.0f MB", runtimeResidentBytes / 1e6));
            row(s, "peak resident memory", format("%.0f MB = %.2f x weights", peakResidentBytes / 1e6,
                    peakOverWeights()));
            row(s, "peak above the runtime", format("%.0f MB = %.2f x weights (goal <= 1.2)",
                    (peakResidentBytes - runtimeResidentBytes) / 1e6, peakAboveRuntimeOverWeights()));
            return s.toString();
        }
    }

    private TokenizerBenchmark() {}

    /** @return the bench sizes: EVA ViT-B/14 at 224, bert-base Q-Former, SEED v1 decoder */
    public static TokenizerConfig benchConfig() {
        return new TokenizerConfig(TokenizerConfig.Version.V1, 224, ResizeMode.BICUBIC,
                new float[] {0.48145466f, 0.4578275f, 0.40821073f},
                new float[] {0.26862954f, 0.26130258f, 0.27577711f},
                new TokenizerConfig.Vision(14, 768, 12, 12, 4.3637, 1e-6f, 1e-5f),
                new TokenizerConfig.QFormer(768, 12, 12, 3072, 2, 32, 1e-12f),
                new TokenizerConfig.Codebook(8192, 32),
                new TokenizerConfig.Decoder(4, 12, 4.0, 1e-6f, 768, 4, 77, List.of()),
                List.of(new TokenizerConfig.WeightFile("random", "")));
    }

    /**
     * Runs the benchmark.
     *
     * @param secondsPerMeasurement minimum timed duration of each throughput figure (after warm-up)
     * @return the figures
     */
    public static Result run(double secondsPerMeasurement) {
        TokenizerConfig config = benchConfig();
        Device device = Device.cpu();
        double matmul = MatmulThroughput.gflops(1024, 5, 10, device);
        LOG.info("fp32 matmul 1024^3: {} GFLOP/s", String.format(Locale.ROOT, "%.1f", matmul));
        long runtime = RuntimeMemory.residentBytes(device);
        long weightBytes;
        double encode1;
        double encode8;
        double detok1;
        double detok8;
        try (SeedTokenizer tokenizer = SeedTokenizer.withRandomWeights(config, device);
                NDManager manager = NDManager.newBaseManager(device)) {
            weightBytes = 4L * tokenizer.parameterCount(); // float32
            NDArray pixels1 = manager.randomNormal(new Shape(1, 3, 224, 224));
            NDArray pixels8 = manager.randomNormal(new Shape(8, 3, 224, 224));
            encode1 = imagesPerSecond(1, secondsPerMeasurement, () -> encode(tokenizer, pixels1));
            encode8 = imagesPerSecond(8, secondsPerMeasurement, () -> encode(tokenizer, pixels8));
            NDArray codes1 = randomCodes(manager, 1, config);
            NDArray codes8 = randomCodes(manager, 8, config);
            detok1 = imagesPerSecond(1, secondsPerMeasurement, () -> detokenize(tokenizer, codes1, manager));
            detok8 = imagesPerSecond(8, secondsPerMeasurement, () -> detokenize(tokenizer, codes8, manager));
        }
        long peak = ProcessMemory.available() ? ProcessMemory.peakResidentBytes() : -1;
        // after the peak was read: the copy's arrays are not the tokenizer's memory
        double copy = CopyBandwidth.gbs(COPY_BYTES, Runtime.getRuntime().availableProcessors());
        return new Result(LibtorchThreads.intraOp(), matmul, encode1, encode8, detok1, detok8,
                TokenizerFlops.encode(config) / 1e9, weightBytes, peak, runtime, copy, ProcessMemory.loadAverage());
    }

    /**
     * Prints the figures as a Markdown table.
     *
     * @param args optional: seconds per measurement (default 20)
     */
    public static void main(String[] args) {
        LibtorchThreads.defaultToAllCores();
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        Result result = run(seconds);
        System.out.print(result.toMarkdown());
    }


    /** One {@code encode} call whose codes are read back, as the benchmark times it. */
    static void encode(SeedTokenizer tokenizer, NDArray pixels) {
        try (Encoding encoding = tokenizer.encode(pixels)) {
            encoding.codes().toLongArray();
        }
    }

    /** One {@code detokenize} call whose output is read, its arrays freed afterwards. */
    static void detokenize(SeedTokenizer tokenizer, NDArray codes, NDManager manager) {
        try (NDManager call = manager.newSubManager()) {
            NDArray embeds = tokenizer.detokenize(codes, call);
            embeds.getFloat(0, 0, 0);
        }
    }

    /** @return {@code batch} x {@code numCodes} codes drawn uniformly from the codebook, seeded by the batch size */
    static NDArray randomCodes(NDManager manager, int batch, TokenizerConfig config) {
        Random rng = new Random(batch);
        long[] codes = new long[batch * config.numCodes()];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = rng.nextInt(config.codebook().size());
        }
        return manager.create(codes, new Shape(batch, config.numCodes()));
    }

    /** Warms up twice, then repeats {@code call} for at least the given time. */
    private static double imagesPerSecond(int batch, double seconds, Runnable call) {
        call.run();
        call.run();
        long start = System.nanoTime();
        int calls = 0;
        do {
            call.run();
            calls++;
        } while ((System.nanoTime() - start) / 1e9 < seconds);
        double elapsed = (System.nanoTime() - start) / 1e9;
        double rate = calls * batch / elapsed;
        LOG.info("batch {}: {} calls in {} s: {} images/s", batch, calls,
                String.format(Locale.ROOT, "%.1f", elapsed), String.format(Locale.ROOT, "%.2f", rate));
        return rate;
    }
}
