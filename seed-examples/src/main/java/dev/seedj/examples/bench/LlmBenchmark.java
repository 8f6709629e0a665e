package dev.seedj.examples.bench;

import static dev.seedj.examples.bench.MarkdownRows.format;
import static dev.seedj.examples.bench.MarkdownRows.row;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ActivationFunction;
import dev.seedj.llm.OptConfig;
import dev.seedj.llm.OptModel;
import dev.seedj.llm.generation.GenerationConfig;
import dev.seedj.llm.generation.Generator;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The language-model speed benchmark of issue 4: OPT-125m sizes (hidden 768, 12 layers, 12 heads, ffn 3072)
 * with SEED's vocabulary (50272 + 8194 tokens) and random weights, generating greedily with the KV cache from
 * a 64-token prompt: the prefill time and the decode rate over 64 cached steps, at batch 1 and 4. Beside them,
 * the machine's memory bandwidth measured in the same run (a 512 MiB array copy, counting bytes read plus
 * written as STREAM does; libtorch's read rate of a 512 MiB sum is reported too), and the weight bytes one
 * decoded token reads (every decoder matrix, bias and LayerNorm plus the output matrix), whose ratio is the
 * bandwidth bound on batch-1 decoding.
 *
 * <p>Run: {@code java -cp ... dev.seedj.examples.bench.LlmBenchmark [seconds-per-measurement]}. libtorch's
 * thread counts come from {@code -Dai.djl.pytorch.num_threads} and {@code -Dai.djl.pytorch.num_interop_threads}
 * (defaults set by {@link #main}: all cores, 1), which must be set before the engine starts.
 *
 * <p>Not thread-safe: run one benchmark per process, with nothing else computing.
 */
public final class LlmBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(LlmBenchmark.class);
    private static final int PROMPT = 64;
    private static final int DECODE_STEPS = 64;
    private static final long COPY_BYTES = 512L << 20;

    /**
     * What one run measured.
     *
     * @param threads libtorch intra-op threads
     * @param copyGbs bandwidth of a 512 MiB {@code System.arraycopy}, GB/s (bytes read + written)
     * @param torchReadGbs rate at which libtorch sums a 512 MiB tensor, GB/s (bytes read)
     * @param weightBytes bytes of all float32 weights
     * @param bytesPerToken weight bytes one batch-1 decoding step reads
     * @param prefillMsBatch1 milliseconds from the call to the first token, 64-token prompt, batch 1
     * @param decodeBatch1 tokens/s over 64 cached steps, batch 1
     * @param prefillMsBatch4 milliseconds to the first tokens, 4 prompts of 64 tokens
     * @param decodeBatch4 tokens/s over 64 cached steps, batch 4 (4 tokens per step)
     * @param loadAverage the system's one-minute load average at the end of the run (other work competing for
     *     the cores and the memory bus), or a negative value where unavailable
     */
    public record Result(int threads, double copyGbs, double torchReadGbs, long weightBytes, long bytesPerToken,
            double prefillMsBatch1, double decodeBatch1, double prefillMsBatch4, double decodeBatch4,
            double loadAverage) {

        /** @return tokens/s if every batch-1 step only streamed its weights at the copy bandwidth */
        public double boundTokensPerSecond() {
            return copyGbs * 1e9 / bytesPerToken;
        }

        /** @return batch-1 decode rate over the bandwidth bound (the goal is at least 0.5) */
        public double fractionOfBound() {
            return decodeBatch1 / boundTokensPerSecond();
        }

        /** @return tokens/s if every batch-1 step streamed its weights at libtorch's read rate */
        public double readBoundTokensPerSecond() {
            return torchReadGbs * 1e9 / bytesPerToken;
        }

        /** @return the weight bytes batch-1 decoding streams per second, GB/s */
        public double decodeWeightGbs() {
            return decodeBatch1 * bytesPerToken / 1e9;
        }

        /** @return the figures as a Markdown table */
        public String toMarkdown() {
            StringBuilder s = new StringBuilder();
            s.append("| measurement | value |\n| --- | --- |\n");
            row(s, "libtorch intra-op threads", Integer.toString(threads));
            row(s, "system load average (1 min) at the end", loadAverage < 0 ? "n/a" : format("%.1f", loadAverage));
            row(s, "memory bandwidth, 512 MiB copy (read + write)", format("%.1f GB/s", copyGbs));
            row(s, "libtorch read rate, 512 MiB sum", format("%.1f GB/s", torchReadGbs));
            row(s, "weights (fp32)", format("%.0f MB", weightBytes / 1e6));
            row(s, "weight bytes read per decoded token", format("%.0f MB", bytesPerToken / 1e6));
            row(s, "bandwidth bound, batch 1 (copy bandwidth / bytes per token)",
                    format("%.1f tokens/s", boundTokensPerSecond()));
            row(s, "bound at libtorch's read rate", format("%.1f tokens/s", readBoundTokensPerSecond()));
            row(s, "prefill 64 tokens, batch 1", format("%.0f ms", prefillMsBatch1));
            row(s, "decode, batch 1", format("%.1f tokens/s = %.0f%% of the bound (goal >= 50%%); weights streamed"
                    + " at %.1f GB/s", decodeBatch1, 100 * fractionOfBound(), decodeWeightGbs()));
            row(s, "prefill 4 x 64 tokens, batch 4", format("%.0f ms", prefillMsBatch4));
            row(s, "decode, batch 4", format("%.1f tokens/s (%.1f steps/s)", decodeBatch4, decodeBatch4 / 4));
            return s.toString();
        }
    }

    private LlmBenchmark() {}

    /** @return OPT-125m's architecture with SEED's 8194 extra tokens */
    public static OptConfig benchConfig() {
        return OptConfig.builder().vocabSize(50272 + 8194).hiddenSize(768).numLayers(12).numHeads(12).ffnDim(3072)
                .maxPositions(2048).activation(ActivationFunction.RELU).build();
    }

    /**
     * Runs the benchmark.
     *
     * @param secondsPerMeasurement minimum time spent repeating each generation (after warm-up); the best
     *     repetition is reported
     * @return the figures
     */
    public static Result run(double secondsPerMeasurement) {
        Device device = Device.cpu();
        double[] bandwidth = bandwidth(device, 0, 0);
        OptConfig config = benchConfig();
        try (OptModel model = OptModel.random(config, 1, device)) {
            long weightBytes = 0;
            for (Parameter p : model.namedParameters().values()) {
                weightBytes += 4 * p.getArray().size();
            }
            long embeddingRows = 4L * config.wordEmbedProjDim() * (config.vocabSize() + config.maxPositions() + 2);
            // every weight is read once per step, the output matrix (tied to the embeddings) included; of the
            // token and position tables only one row each is read
            long bytesPerToken = weightBytes - embeddingRows + 4L * config.vocabSize() * config.wordEmbedProjDim()
                    + 2 * 4L * config.hiddenSize();
            Generator generator = new Generator(model);
            double[] batch1 = best(generator, config, 1, secondsPerMeasurement);
            bandwidth = bandwidth(device, bandwidth[0], bandwidth[1]);
            double[] batch4 = best(generator, config, 4, secondsPerMeasurement);
            bandwidth = bandwidth(device, bandwidth[0], bandwidth[1]);
            return new Result(LibtorchThreads.intraOp(), bandwidth[0], bandwidth[1], weightBytes, bytesPerToken,
                    batch1[0], batch1[1], batch4[0], batch4[1],
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    /**
     * Prints the figures as a Markdown table.
     *
     * @param args optional: seconds per measurement (default 20)
     */
    public static void main(String[] args) {
        LibtorchThreads.defaultToAllCores();
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        System.out.print(run(seconds).toMarkdown());
    }

    /** @return {prefill ms, decode tokens/s}: the best of repeated generations (after one warm-up) */
    private static double[] best(Generator generator, OptConfig config, int batch, double seconds) {
        long[][] prompts = new long[batch][PROMPT];
        Random rng = new Random(batch);
        for (long[] p : prompts) {
            for (int i = 0; i < PROMPT; i++) {
                p[i] = i == 0 ? config.bosTokenId() : 3 + rng.nextInt(50000);
            }
        }
        GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(DECODE_STEPS + 1).stopTokens().build();
        double bestPrefill = Double.MAX_VALUE;
        double bestDecode = 0;
        long start = System.nanoTime();
        int runs = 0;
        do {
            long[] stamps = new long[DECODE_STEPS + 1];
            int[] step = {0};
            long begin = System.nanoTime();
            generator.generate(prompts, null, greedy, (row, token) -> {
                if (row == 0) {
                    stamps[step[0]++] = System.nanoTime();
                }
            });
            double prefillMs = (stamps[0] - begin) / 1e6;
            double decode = batch * DECODE_STEPS / ((stamps[DECODE_STEPS] - stamps[0]) / 1e9);
            LOG.info("batch {}: prefill {} ms, decode {} tokens/s", batch, oneDecimal(prefillMs), oneDecimal(decode));
            if (runs++ > 0) { // the first run warms up
                bestPrefill = Math.min(bestPrefill, prefillMs);
                bestDecode = Math.max(bestDecode, decode);
            }
        } while (runs < 3 || (System.nanoTime() - start) / 1e9 < seconds);
        return new double[] {bestPrefill, bestDecode};
    }

    /**
     * Measures both bandwidths again (other work on the machine makes single measurements noisy).
     *
     * @return {copy, read}: the best so far, GB/s
     */
    private static double[] bandwidth(Device device, double bestCopy, double bestRead) {
        double copy = Math.max(bestCopy, javaCopyGbs());
        double read = Math.max(bestRead, torchReadGbs(device));
        LOG.info("memory bandwidth so far: copy {} GB/s (read + write), libtorch read {} GB/s", oneDecimal(copy), oneDecimal(read));
        return new double[] {copy, read};
    }

    /** Copies a 512 MiB array a few times; GB/s counting bytes read and written. */
    private static double javaCopyGbs() {
        int n = (int) (COPY_BYTES / 4);
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        float[] b = new float[n];
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 10; r++) {
            long t = System.nanoTime();
            System.arraycopy(a, 0, b, 0, n);
            best = Math.min(best, (System.nanoTime() - t) / 1e9);
        }
        return 2.0 * COPY_BYTES / best / 1e9;
    }

    /** Sums a 512 MiB tensor a few times: libtorch's streaming read rate, GB/s. */
    private static double torchReadGbs(Device device) {
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDArray a = manager.ones(new Shape(COPY_BYTES / 4));
            double best = Double.MAX_VALUE;
            for (int r = 0; r < 10; r++) {
                try (NDManager round = manager.newSubManager()) {
                    long t = System.nanoTime();
                    NDArray sum = a.sum();
                    sum.attach(round);
                    sum.getFloat();
                    best = Math.min(best, (System.nanoTime() - t) / 1e9);
                }
            }
            return COPY_BYTES / best / 1e9;
        }
    }


    private static String oneDecimal(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
