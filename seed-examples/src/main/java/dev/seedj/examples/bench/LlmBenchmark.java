package dev.seedj.examples.bench;

import static dev.seedj.examples.bench.MarkdownRows.format;

import ai.djl.Device;
import dev.seedj.core.bench.CopyBandwidth;
import dev.seedj.core.bench.MatmulThroughput;
import dev.seedj.core.bench.ProcessMemory;
import dev.seedj.core.nn.ActivationFunction;
import dev.seedj.core.nn.DecodeThreads;
import dev.seedj.core.nn.MatVec;
import dev.seedj.core.weights.ComputeType;
import dev.seedj.llm.LlmDtype;
import dev.seedj.llm.OptConfig;
import dev.seedj.llm.OptModel;
import dev.seedj.llm.generation.GenerationConfig;
import dev.seedj.llm.generation.Generator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The language-model speed benchmark of issues 4 and 14: OPT models with SEED's vocabulary (50272 + 8194 tokens) and
 * random weights, generating greedily with the KV cache from a 64-token prompt: the prefill time and the decode rate
 * over 64 cached steps at batch 1 and 4, with weights in float32, bfloat16, weight-only int8 and dynamic int8. Each decode rate is
 * read against its own bandwidth bound: the bytes one decoded token reads (every weight matrix in its storage type, its
 * scales, biases and layer norms; one row of each embedding table) at the machine's copy bandwidth, measured in the
 * same run as STREAM measures it (every core copying, bytes read plus written: {@link CopyBandwidth}). The machine's
 * float32 matrix-multiply rate and the load average before and after are reported beside them.
 *
 * <p>Run: {@code java -cp ... dev.seedj.examples.bench.LlmBenchmark [seconds] [sizes] [types]}, e.g.
 * {@code LlmBenchmark 10 125m,1.3b float32,bfloat16,int8}; {@code tiny} is a size for checking the program. libtorch's
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
    private static final int SEED_EXTRA_TOKENS = 8194;
    /** Warm-up ends when a generation's decode rate changed by at most this fraction. */
    private static final double SETTLED = 0.05;
    /** Warm-up generations at most. */
    private static final int MAX_WARMUP = 8;

    /** The model sizes. */
    public enum Size {
        /** For checking the program: hidden 64, 2 layers. */
        TINY(new OptConfig(1000, 64, 2, 4, 256, 256, 64, true, ActivationFunction.RELU, true, true, false, 1, 2, 2)),
        /** OPT-125m: hidden 768, 12 layers, 12 heads, ffn 3072. */
        OPT_125M(opt(768, 12, 12, 3072)),
        /** OPT-1.3b: hidden 2048, 24 layers, 32 heads, ffn 8192. */
        OPT_1_3B(opt(2048, 24, 32, 8192));

        private final OptConfig config;

        Size(OptConfig config) {
            this.config = config;
        }

        /** @return the architecture */
        public OptConfig config() {
            return config;
        }

        /**
         * @param name {@code tiny}, {@code 125m} or {@code 1.3b}
         * @return the size
         */
        public static Size parse(String name) {
            return switch (name) {
                case "tiny" -> TINY;
                case "125m" -> OPT_125M;
                case "1.3b" -> OPT_1_3B;
                default -> throw new IllegalArgumentException("unknown size '" + name + "': tiny, 125m or 1.3b");
            };
        }

        private static OptConfig opt(int hidden, int layers, int heads, int ffn) {
            return new OptConfig(50272 + SEED_EXTRA_TOKENS, hidden, layers, heads, ffn, 2048, hidden, true,
                    ActivationFunction.RELU, true, true, false, 1, 2, 2);
        }
    }

    /**
     * One model size and weight type.
     *
     * @param size the model size
     * @param weights the weight type
     * @param bytesPerToken weight bytes one batch-1 decoding step reads
     * @param prefillMsBatch1 milliseconds from the call to the first token, 64-token prompt, batch 1
     * @param decodeBatch1 tokens/s over 64 cached steps, batch 1
     * @param decodeBatch4 tokens/s over 64 cached steps, batch 4 (4 tokens per step)
     */
    public record Row(Size size, LlmDtype weights, long bytesPerToken, double prefillMsBatch1, double decodeBatch1,
            double decodeBatch4) {}

    /**
     * What one run measured.
     *
     * @param threads libtorch intra-op threads
     * @param copyGbs STREAM-like copy bandwidth with one thread per core, GB/s (bytes read + written)
     * @param matmulGflops float32 1024^3 matrix-multiply rate, GFLOP/s
     * @param loadBefore one-minute load average when the run started
     * @param loadAfter one-minute load average at its end
     * @param rows the measurements
     */
    public record Result(int threads, double copyGbs, double matmulGflops, double loadBefore, double loadAfter,
            List<Row> rows) {

        /**
         * @param row a measurement
         * @return tokens/s if every batch-1 step only streamed its weights at the copy bandwidth
         */
        public double boundTokensPerSecond(Row row) {
            return copyGbs * 1e9 / row.bytesPerToken();
        }

        /** @return the figures as a Markdown table */
        public String toMarkdown() {
            StringBuilder s = new StringBuilder();
            s.append(format("libtorch threads %d; batch-1 matrix-vector products: %s; batch-1 decoding steps: %s;"
                    + " load average %.1f before, %.1f after; fp32 matmul 1024^3 %.1f GFLOP/s; copy bandwidth (all"
                    + " cores, read + write) %.1f GB/s%n%n",
                    threads, "MatVec " + MatVec.kernelName(),
                    DecodeThreads.javaSteps() ? "Java (OptDecodeStep)" : "libtorch", loadBefore, loadAfter,
                    matmulGflops, copyGbs));
            s.append("| model | weights | bytes per token | bound, batch 1 | prefill 64, batch 1 | decode, batch 1"
                    + " | of the bound | decode, batch 4 |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
            for (Row r : rows) {
                s.append(format("| %s | %s | %.0f MB | %.1f tokens/s | %.0f ms | %.1f tokens/s | %.0f%% | %.1f tokens/s |%n",
                        r.size(), r.weights().name(), r.bytesPerToken() / 1e6, boundTokensPerSecond(r), r.prefillMsBatch1(),
                        r.decodeBatch1(), 100 * r.decodeBatch1() / boundTokensPerSecond(r), r.decodeBatch4()));
            }
            return s.toString();
        }
    }

    private LlmBenchmark() {}

    /** @return OPT-125m's architecture with SEED's 8194 extra tokens */
    public static OptConfig benchConfig() {
        return Size.OPT_125M.config();
    }

    /**
     * Runs the benchmark at OPT-125m size in all three weight types.
     *
     * @param secondsPerMeasurement minimum time spent repeating each generation (after warm-up)
     * @return the figures
     */
    public static Result run(double secondsPerMeasurement) {
        return run(secondsPerMeasurement, List.of(Size.OPT_125M), List.of(LlmDtype.values()));
    }

    /**
     * Runs the benchmark.
     *
     * @param secondsPerMeasurement minimum time spent repeating each generation (after warm-up); the best
     *     repetition is reported
     * @param sizes the model sizes
     * @param types the weight types
     * @return the figures
     */
    public static Result run(double secondsPerMeasurement, List<Size> sizes, List<LlmDtype> types) {
        double loadBefore = ProcessMemory.loadAverage();
        Device device = Device.cpu();
        int cores = Runtime.getRuntime().availableProcessors();
        double copy = CopyBandwidth.gbs(COPY_BYTES, cores);
        double matmul = MatmulThroughput.gflops(1024, 5, 10, device);
        List<Row> rows = new ArrayList<>();
        for (Size size : sizes) {
            for (LlmDtype weights : types) {
                rows.add(measure(size, weights, device, secondsPerMeasurement));
                copy = Math.max(copy, CopyBandwidth.gbs(COPY_BYTES, cores)); // the best of measurements spread over the run
            }
        }
        return new Result(LibtorchThreads.intraOp(), copy, matmul, loadBefore, ProcessMemory.loadAverage(), rows);
    }

    /**
     * Prints the figures as a Markdown table.
     *
     * @param args optional: seconds per measurement (default 20), sizes (default {@code 125m}), weight types
     *     (default all), each a comma-separated list
     */
    public static void main(String[] args) {
        LibtorchThreads.defaultToAllCores();
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        List<Size> sizes = args.length > 1 ? parse(args[1], Size::parse) : List.of(Size.OPT_125M);
        List<LlmDtype> types = args.length > 2 ? parse(args[2], LlmDtype::parse) : List.of(LlmDtype.values());
        System.out.print(run(seconds, sizes, types).toMarkdown());
    }

    /**
     * Weight bytes one batch-1 decoding step reads: the decoder's projection matrices in their storage type plus
     * int8's per-row float32 scales, the output matrix (the tied embedding table: float32, or with bfloat16 and int8
     * its bfloat16 or int8 copy, int8's scales and the rescored float32 rows), and the biases and layer norms
     * (float32); the embedding lookups read one row each.
     *
     * @param config the architecture
     * @param weights the weight type
     * @return bytes
     */
    public static long bytesPerToken(OptConfig config, LlmDtype weights) {
        long d = config.hiddenSize();
        long ffn = config.ffnDim();
        long proj = config.wordEmbedProjDim();
        long layers = config.numLayers();
        // the decoder's linear layers take the weight type; the output layer (the embedding table) is float32, read
        // through a bfloat16 or int8 copy with OptModel.RESCORED_LOGITS rows rescored in float32 for those types
        long matrices = layers * (4 * d * d + 2 * d * ffn) + (config.hasProjections() ? 2 * d * proj : 0);
        long output = (long) config.vocabSize() * proj;
        long matrixRows = layers * (4 * d + ffn + d) + (config.hasProjections() ? d + proj : 0);
        long vectors = layers * (4 * d + ffn + d + 4 * d) + 2 * d + 2 * d; // biases, 2 layer norms, final norm, 2 rows
        long rescored = 4L * OptModel.RESCORED_LOGITS * proj;
        long int8Output = output + 4L * config.vocabSize() + rescored;
        return 4 * vectors + switch (weights) {
            case FLOAT32 -> 4 * (matrices + output);
            case BFLOAT16 -> 2 * matrices + 2 * output + rescored;
            case INT8 -> matrices + 4 * matrixRows + int8Output;
            // + fbgemm's column sums and zero bias
            case INT8_DYNAMIC -> matrices + 3 * 4 * matrixRows + int8Output + 2 * 4L * config.vocabSize();
        };
    }

    private static Row measure(Size size, LlmDtype weights, Device device, double seconds) {
        OptConfig config = size.config();
        ComputeType type = weights.computeType();
        try (OptModel model = OptModel.random(config, 1, device, type)) {
            if (weights.int8Weights()) {
                model.quantizeInt8(weights.int8Activations());
            }
            Generator generator = new Generator(model);
            double[] batch1 = best(generator, config, 1, seconds);
            double[] batch4 = best(generator, config, 4, seconds);
            LOG.info("{} {}: decode {} tokens/s at batch 1, {} at batch 4", size, weights.name(), oneDecimal(batch1[1]),
                    oneDecimal(batch4[1]));
            return new Row(size, weights, bytesPerToken(config, weights), batch1[0], batch1[1], batch4[1]);
        }
    }

    /**
     * Generates until the JIT has settled, then repeats for {@code seconds} (at least twice) and keeps the best.
     * Settling takes several generations: a step's own Java code (DJL's wrappers, the cache, the layers) is called a
     * few hundred times per token, and OPT-125m's decode rate rose from 23 to 60 tokens/s over its first four
     * generations of 64 tokens, so one warm-up generation measured a half-compiled program. Warm-up ends when a
     * generation's decode rate differs from the previous one's by at most the fraction {@value #SETTLED}, or after
     * {@value #MAX_WARMUP} generations.
     *
     * @return {prefill ms, decode tokens/s}
     */
    private static double[] best(Generator generator, OptConfig config, int batch, double seconds) {
        long[][] prompts = new long[batch][PROMPT];
        Random rng = new Random(batch);
        for (long[] p : prompts) {
            for (int i = 0; i < PROMPT; i++) {
                p[i] = i == 0 ? config.bosTokenId() : 3 + rng.nextInt(config.vocabSize() - 3);
            }
        }
        GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(DECODE_STEPS + 1).stopTokens().build();
        double previous = 0;
        for (int warmup = 0; warmup < MAX_WARMUP; warmup++) {
            double decode = generate(generator, prompts, greedy)[1];
            if (Math.abs(decode - previous) <= SETTLED * decode) {
                break;
            }
            previous = decode;
        }
        double bestPrefill = Double.MAX_VALUE;
        double bestDecode = 0;
        long start = System.nanoTime();
        int runs = 0;
        do {
            double[] run = generate(generator, prompts, greedy);
            bestPrefill = Math.min(bestPrefill, run[0]);
            bestDecode = Math.max(bestDecode, run[1]);
            runs++;
        } while (runs < 2 || (System.nanoTime() - start) / 1e9 < seconds);
        return new double[] {bestPrefill, bestDecode};
    }

    /** @return {prefill ms, decode tokens/s} of one greedy generation */
    private static double[] generate(Generator generator, long[][] prompts, GenerationConfig greedy) {
        long[] stamps = new long[DECODE_STEPS + 1];
        int[] step = {0};
        long begin = System.nanoTime();
        generator.generate(prompts, null, greedy, (row, token) -> {
            if (row == 0) {
                stamps[step[0]++] = System.nanoTime();
            }
        });
        double prefillMs = (stamps[0] - begin) / 1e6;
        return new double[] {prefillMs, prompts.length * DECODE_STEPS / ((stamps[DECODE_STEPS] - stamps[0]) / 1e9)};
    }

    private static <T> List<T> parse(String list, java.util.function.Function<String, T> parser) {
        List<T> out = new ArrayList<>();
        for (String item : list.split(",")) {
            out.add(parser.apply(item.trim()));
        }
        return out;
    }

    private static String oneDecimal(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
