package dev.seedj.examples.bench;

import static dev.seedj.examples.bench.MarkdownRows.format;
import static dev.seedj.examples.bench.MarkdownRows.row;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.bench.CopyBandwidth;
import dev.seedj.core.bench.MatmulThroughput;
import dev.seedj.core.bench.ProcessMemory;
import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.core.image.ResizeMode;
import dev.seedj.core.nn.StateDictLoader;
import dev.seedj.core.weights.ComputeType;
import dev.seedj.core.weights.LibtorchOps;
import dev.seedj.core.weights.SafetensorsWriter;
import dev.seedj.core.weights.StateDict;
import dev.seedj.core.weights.TensorInfo;
import dev.seedj.tokenizer.SeedTokenizer;
import dev.seedj.tokenizer.TokenizerConfig;
import dev.seedj.tokenizer.model.VisualTokenizerModel;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tokenizer benchmark of issue 14 at the released size: a SEED v1 tokenizer shaped as the released one (EVA
 * ViT-g: width 1408, 39 blocks, 16 heads, MLP 6144, image 224; a bert-base causal Q-Former; 1.154 billion
 * parameters) with random weights, loaded from a safetensors file as a user loads the released weights: the load time,
 * the resident memory after loading (anonymous memory and mapped file pages apart), encode at batch 1 and 8, and the
 * peak resident memory of encoding against the weight bytes; beside them the machine's float32 matrix-multiply rate,
 * its copy bandwidth (every core) and the load average.
 *
 * <p>Two steps, in two processes (writing the file fills the Java heap, which would distort the memory figures):
 * <pre>
 * java -Xmx12g -cp ... dev.seedj.examples.bench.VitgTokenizerBenchmark write vitg /tmp/vitg.safetensors
 * java -cp ... dev.seedj.examples.bench.VitgTokenizerBenchmark run vitg /tmp/vitg.safetensors 20
 * </pre>
 * ({@code write vitg <file> bfloat16} writes the same model as a bfloat16 checkpoint.)
 * {@code tiny} instead of {@code vitg} uses the tiny fixture sizes, for checking the program, {@code vitg:8} the
 * ViT-g shapes with 8 blocks and {@code vitb} {@link TokenizerBenchmark}'s ViT-B sizes. The run measures float32
 * first, then bfloat16 ({@link ComputeType#BFLOAT16}, converted from the float32 file while loading). How often
 * bfloat16 picks float32's codes for some photos:
 * <pre>
 * java -cp ... dev.seedj.examples.bench.VitgTokenizerBenchmark agree vitg /tmp/vitg.safetensors \
 *     shared/oracle/images/cat_v1.jpg shared/oracle/images/cat_main.jpg shared/oracle/images/dog3.jpg
 * </pre>
 *
 * <p>Not thread-safe: run one benchmark per process, with nothing else computing.
 */
public final class VitgTokenizerBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(VitgTokenizerBenchmark.class);
    private static final long COPY_BYTES = 512L << 20;

    /**
     * What one run measured. Immutable and thread-safe.
     *
     * @param threads libtorch intra-op threads
     * @param matmulGflops float32 1024^3 matrix-multiply rate, GFLOP/s
     * @param copyGbs copy bandwidth with one thread per core, GB/s (read + write)
     * @param runtimeResident resident bytes that do not grow with the model ({@link RuntimeMemory}), or -1 off Linux
     * @param weightBytes bytes of the float32 weights
     * @param gflopPerImage floating-point work of one encode ({@link TokenizerFlops#encode}), GFLOP
     * @param loadSeconds time to build the tokenizer from the opened safetensors file
     * @param residentAfterLoad resident bytes right after loading
     * @param anonymousAfterLoad of which anonymous (private) memory
     * @param fileAfterLoad of which mapped file pages (shareable page cache)
     * @param encodeBatch1 images/s at batch 1
     * @param encodeBatch8 images/s at batch 8
     * @param peakEncode peak resident bytes while encoding (counted from the end of loading)
     * @param bf16LoadSeconds time to build the bfloat16 tokenizer from the same (float32) file: a conversion
     * @param bf16EncodeBatch1 images/s at batch 1 in bfloat16
     * @param bf16EncodeBatch8 images/s at batch 8 in bfloat16
     * @param bf16PeakEncode peak resident bytes while encoding in bfloat16
     * @param loadBefore load average at the start
     * @param loadAfter load average at the end
     */
    public record Result(int threads, double matmulGflops, double copyGbs, long runtimeResident, long weightBytes,
            double gflopPerImage,
            double loadSeconds,
            long residentAfterLoad, long anonymousAfterLoad, long fileAfterLoad, double encodeBatch1,
            double encodeBatch8, long peakEncode, double bf16LoadSeconds, double bf16EncodeBatch1,
            double bf16EncodeBatch8, long bf16PeakEncode, double loadBefore, double loadAfter) {

        /** @return the figures as a Markdown table */
        public String toMarkdown() {
            StringBuilder s = new StringBuilder("| measurement | value |\n| --- | --- |\n");
            row(s, "libtorch intra-op threads", Integer.toString(threads));
            row(s, "load average (1 min) before / after", format("%.1f / %.1f", loadBefore, loadAfter));
            row(s, "fp32 matmul 1024^3", format("%.1f GFLOP/s", matmulGflops));
            row(s, "copy bandwidth, all cores (read + write)", format("%.1f GB/s", copyGbs));
            row(s, "weights (fp32)", format("%.0f MB", weightBytes / 1e6));
            row(s, "load from safetensors (goal < 1 s)", format("%.2f s", loadSeconds));
            row(s, "resident after load", format("%.0f MB: %.0f MB anonymous, %.0f MB mapped file pages",
                    residentAfterLoad / 1e6, anonymousAfterLoad / 1e6, fileAfterLoad / 1e6));
            row(s, "encode, batch 1, fp32", format("%.3f images/s", encodeBatch1));
            row(s, "encode, batch 8, fp32", format("%.3f images/s", encodeBatch8));
            row(s, "encode throughput, batch 8, fp32 (goal >= 75% of matmul)", format("%.1f GFLOP/s = %.0f%%"
                    + " (%.0f GFLOP per image)", encodeBatch8 * gflopPerImage, 100 * encodeBatch8 * gflopPerImage
                    / matmulGflops, gflopPerImage));
            row(s, "runtime (resident after a tiny tokenizer ran and was freed)",
                    format("%.0f MB", runtimeResident / 1e6));
            row(s, "peak resident while encoding, fp32", format("%.0f MB = %.2f x weights", peakEncode / 1e6,
                    peakEncode / (double) weightBytes));
            row(s, "peak above the runtime, fp32 (goal <= 1.2 x weights)", format("%.0f MB = %.2f x weights",
                    (peakEncode - runtimeResident) / 1e6, (peakEncode - runtimeResident) / (double) weightBytes));
            row(s, "bf16: load (converting the float32 file)", format("%.2f s", bf16LoadSeconds));
            row(s, "encode, batch 1, bf16", format("%.3f images/s = %.2f x fp32", bf16EncodeBatch1,
                    bf16EncodeBatch1 / encodeBatch1));
            row(s, "encode, batch 8, bf16 (goal >= 1.6 x fp32)", format("%.3f images/s = %.2f x fp32",
                    bf16EncodeBatch8, bf16EncodeBatch8 / encodeBatch8));
            row(s, "peak resident while encoding, bf16", format("%.0f MB = %.2f x the fp32 weight bytes",
                    bf16PeakEncode / 1e6, bf16PeakEncode / (double) weightBytes));
            return s.toString();
        }
    }

    private VitgTokenizerBenchmark() {}

    /**
     * @param size {@code vitg} (the released v1 sizes), {@code vitg:<blocks>} (the same with fewer ViT blocks),
     *     {@code vitb} ({@link TokenizerBenchmark#benchConfig()}: ViT-B) or {@code tiny} (the tiny fixture's)
     * @return the config
     */
    public static TokenizerConfig config(String size) {
        if (size.equals("vitg")) {
            return TokenizerConfig.released(TokenizerConfig.Version.V1);
        }
        if (size.startsWith("vitg:")) { // ViT-g shapes with fewer blocks
            TokenizerConfig g = TokenizerConfig.released(TokenizerConfig.Version.V1);
            TokenizerConfig.Vision v = g.vision();
            TokenizerConfig.Vision fewer = new TokenizerConfig.Vision(v.patchSize(), v.width(),
                    Integer.parseInt(size.substring("vitg:".length())), v.numHeads(), v.mlpRatio(), v.layerNormEps(),
                    v.lnVisionEps());
            return new TokenizerConfig(g.version(), g.imageSize(), g.resize(), g.imageMean(), g.imageStd(), fewer,
                    g.qformer(), g.codebook(), g.decoder(), g.weights());
        }
        if (size.equals("vitb")) {
            return TokenizerBenchmark.benchConfig();
        }
        if (size.equals("tiny")) {
            return new TokenizerConfig(TokenizerConfig.Version.V1, 56, ResizeMode.BICUBIC,
                    new float[] {0.48145466f, 0.4578275f, 0.40821073f},
                    new float[] {0.26862954f, 0.26130258f, 0.27577711f},
                    new TokenizerConfig.Vision(14, 32, 2, 4, 4.3637, 1e-6f, 1e-5f),
                    new TokenizerConfig.QFormer(24, 3, 12, 96, 2, 32, 1e-12f),
                    new TokenizerConfig.Codebook(8192, 32),
                    new TokenizerConfig.Decoder(4, 12, 4.0, 1e-6f, 768, 4, 77, List.of()),
                    List.of(new TokenizerConfig.WeightFile("random", "")));
        }
        throw new IllegalArgumentException("unknown size '" + size + "': vitg, vitg:<blocks>, vitb or tiny");
    }

    /**
     * Writes random weights (normal, std 0.02; LayerNorm gains 1; biases 0) under the reference names, as a float32
     * checkpoint or as a bfloat16 one (every floating tensor rounded to bfloat16, as a checkpoint saved in bfloat16
     * is): with the latter a float32 and a bfloat16 tokenizer compute with the same weight values, so {@link
     * #agreement} measures the arithmetic alone.
     *
     * @param config the sizes
     * @param file the safetensors file to write
     * @param dtype the checkpoint's type
     */
    public static void writeWeights(TokenizerConfig config, Path file, ComputeType dtype) {
        VisualTokenizerModel model = new VisualTokenizerModel(config);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            model.initializeParameters(manager);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                tensors.put(e.getKey(), e.getValue().getArray());
            }
            new SafetensorsWriter().withBfloat16(dtype == ComputeType.BFLOAT16).write(file, tensors);
        }
    }

    /**
     * Runs the benchmark.
     *
     * @param config the sizes the file was written with
     * @param file the weights
     * @param seconds minimum timed duration of each throughput figure (after warm-up)
     * @return the figures
     */
    public static Result run(TokenizerConfig config, Path file, double seconds) {
        double loadBefore = ProcessMemory.loadAverage();
        Device device = Device.cpu();
        double matmul = MatmulThroughput.gflops(1024, 5, 10, device);
        double copy = CopyBandwidth.gbs(COPY_BYTES, Runtime.getRuntime().availableProcessors());
        System.gc(); // the copy arrays: not part of the tokenizer's memory
        long runtime = RuntimeMemory.residentBytes(device);
        double[] fp32 = new double[7];
        double[] bf16 = new double[7];
        long[] weightBytes = {0};
        for (ComputeType type : List.of(ComputeType.FLOAT32, ComputeType.BFLOAT16)) {
            double[] into = type == ComputeType.FLOAT32 ? fp32 : bf16;
            long start = System.nanoTime();
            try (StateDict weights = StateDict.open(file);
                    SeedTokenizer tokenizer = SeedTokenizer.load(config, weights, device, type);
                    NDManager manager = NDManager.newBaseManager(device)) {
                into[0] = (System.nanoTime() - start) / 1e9;
                into[1] = ProcessMemory.residentBytes();
                into[2] = ProcessMemory.residentAnonymousBytes();
                into[3] = ProcessMemory.residentFileBytes();
                weightBytes[0] = 4L * tokenizer.parameterCount();
                ProcessMemory.resetPeak();
                int size = config.imageSize();
                NDArray pixels1 = manager.randomNormal(new Shape(1, 3, size, size));
                NDArray pixels8 = manager.randomNormal(new Shape(8, 3, size, size));
                into[4] = imagesPerSecond(1, seconds, () -> TokenizerBenchmark.encode(tokenizer, pixels1));
                into[5] = imagesPerSecond(8, seconds, () -> TokenizerBenchmark.encode(tokenizer, pixels8));
                into[6] = ProcessMemory.peakResidentBytes();
            }
            System.gc(); // unmaps the float32 file before the next model
        }
        return new Result(LibtorchThreads.intraOp(), matmul, copy, runtime, weightBytes[0],
                TokenizerFlops.encode(config) / 1e9,
                fp32[0], (long) fp32[1],
                (long) fp32[2], (long) fp32[3], fp32[4], fp32[5], (long) fp32[6], bf16[0], bf16[4], bf16[5],
                (long) bf16[6], loadBefore, ProcessMemory.loadAverage());
    }

    /**
     * How the bfloat16 tokenizer's codes compare with float32's.
     *
     * @param equal positions where bfloat16 picks float32's code
     * @param equalRounded positions where float32 compute with the matrices rounded to bfloat16 picks it
     * @param positions all positions
     * @param flips one line per position where bfloat16 differs: both codes, how far float32's vector is from each
     *     (squared distances) and how far bfloat16 moved the vector
     */
    public record Agreement(int equal, int equalRounded, int positions, List<String> flips) {}

    /**
     * How often the bfloat16 tokenizer picks float32's code, and beside it the floor that bfloat16 weights alone set: a
     * float32 tokenizer whose bfloat16 matrices are the same values widened (every activation float32). The three
     * tokenizers are loaded from {@code file} one after the other; the images are tokenized by each (preprocessed as
     * the config says).
     *
     * @param config the sizes the file was written with
     * @param file the weights
     * @param images image files
     * @return the counts, and each position bfloat16 flips with the margin float32 had there
     */
    public static Agreement agreement(TokenizerConfig config, Path file, List<Path> images) {
        List<BufferedImage> decoded = images.stream().map(ImagePreprocessor::decode).toList();
        long[][] codes = new long[3][];
        float[][] z = new float[2][]; // encode_task_layer.out of float32 and bfloat16, [images * Q * D]
        float[] codebook;
        try (StateDict weights = StateDict.open(file)) {
            codebook = weights.getFloats("quantize.embedding.weight"); // [K * D]
        }
        for (int t = 0; t < codes.length; t++) {
            try (StateDict weights = StateDict.open(file);
                    SeedTokenizer tokenizer = t == 2
                            ? SeedTokenizer.load(config, new RoundedMatrices(weights, config), Device.cpu(),
                                    ComputeType.FLOAT32)
                            : SeedTokenizer.load(config, weights, Device.cpu(), t == 0 ? ComputeType.FLOAT32
                                    : ComputeType.BFLOAT16);
                    NDManager manager = NDManager.newBaseManager(Device.cpu())) {
                Map<String, NDArray> stages = tokenizer.forwardWithIntermediates(
                        tokenizer.preprocessor().preprocess(decoded, manager), manager);
                codes[t] = stages.get("codes").toLongArray(); // [images * Q]
                if (t < 2) {
                    z[t] = stages.get("encode_task_layer.out").toType(DataType.FLOAT32, false).toFloatArray();
                }
            }
            System.gc(); // unmaps the file before the next model
        }
        int dim = z[0].length / codes[0].length;
        int perImage = codes[0].length / images.size();
        int equal = 0;
        int equalRounded = 0;
        List<String> flips = new ArrayList<>();
        for (int p = 0; p < codes[0].length; p++) {
            equal += codes[0][p] == codes[1][p] ? 1 : 0;
            equalRounded += codes[0][p] == codes[2][p] ? 1 : 0;
            if (codes[0][p] != codes[1][p]) {
                double near = squaredDistance(z[0], p * dim, codebook, (int) codes[0][p] * dim, dim);
                double other = squaredDistance(z[0], p * dim, codebook, (int) codes[1][p] * dim, dim);
                double moved = Math.sqrt(squaredDistance(z[0], p * dim, z[1], p * dim, dim)
                        / squaredDistance(z[0], p * dim, new float[dim], 0, dim));
                flips.add(String.format(Locale.ROOT, "%s position %d: float32 code %d, bfloat16 %d; float32's vector"
                        + " is %.6g and %.6g from them (squared; gap %.2g%%), bfloat16 moved it by %.2g%% (relative)",
                        images.get(p / perImage).getFileName(), p % perImage, codes[0][p], codes[1][p], near, other,
                        100 * (other - near) / near, 100 * moved));
            }
        }
        return new Agreement(equal, equalRounded, codes[0].length, flips);
    }

    private static double squaredDistance(float[] a, int aFrom, float[] b, int bFrom, int length) {
        double sum = 0;
        for (int i = 0; i < length; i++) {
            double d = a[aFrom + i] - b[bFrom + i];
            sum += d * d;
        }
        return sum;
    }

    /** The float32 values of a bfloat16 tokenizer's matrices: each rounded to bfloat16 and widened back. */
    private static final class RoundedMatrices implements StateDict {
        private final StateDict weights;
        private final Function<String, ComputeType> typeOf;

        RoundedMatrices(StateDict weights, TokenizerConfig config) {
            this.weights = weights;
            Function<String, ComputeType> matrices = StateDictLoader.matricesIn(
                    new VisualTokenizerModel(config), ComputeType.BFLOAT16);
            this.typeOf = name -> VisualTokenizerModel.keepsFloat32(name) ? ComputeType.FLOAT32
                    : matrices.apply(name);
        }

        @Override
        public Set<String> keys() {
            return weights.keys();
        }

        @Override
        public TensorInfo info(String key) {
            return weights.info(key);
        }

        @Override
        public NDArray get(String key, NDManager manager) {
            NDArray exact = weights.get(key, manager);
            if (typeOf.apply(key) == ComputeType.FLOAT32) {
                return exact;
            }
            NDArray rounded = LibtorchOps.toBfloat16(exact);
            NDArray widened = rounded.toType(DataType.FLOAT32, false);
            exact.close();
            rounded.close();
            return widened;
        }

        @Override
        public float[] getFloats(String key) {
            return weights.getFloats(key);
        }

        @Override
        public StateDict withPrefix(String prefix) {
            throw new UnsupportedOperationException();
        }

        @Override
        public StateDict stripPrefix(String prefix) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
            weights.close();
        }
    }

    /**
     * {@code write <size> <file> [float32|bfloat16]} (default float32), {@code run <size> <file> [seconds]} (default
     * 20) or
     * {@code agree <size> <file> <image>...} (bfloat16 against float32 codes, see {@link #agreement}); the size is
     * {@code vitg}, {@code vitg:<blocks>} or {@code tiny} ({@link #config}).
     *
     * @param args the command
     */
    public static void main(String[] args) {
        if (args.length < 3 || !List.of("write", "run", "agree").contains(args[0])) {
            throw new IllegalArgumentException("usage: write <size> <file> [float32|bfloat16]"
                    + " | run <size> <file> [seconds] | agree <size> <file> <image>...");
        }
        LibtorchThreads.defaultToAllCores();
        TokenizerConfig config = config(args[1]);
        Path file = Path.of(args[2]);
        if (args[0].equals("write")) {
            writeWeights(config, file, args.length > 3 ? ComputeType.parse(args[3]) : ComputeType.FLOAT32);
            return;
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " does not exist: write it first");
        }
        if (args[0].equals("agree")) {
            List<Path> images = Arrays.stream(args, 3, args.length).map(Path::of).toList();
            Agreement a = agreement(config, file, images);
            System.out.printf(Locale.ROOT, "bfloat16 codes equal float32's at %d of %d positions (%.2f%%); float32"
                    + " with the matrices rounded to bfloat16: %d (%.2f%%)%n", a.equal(), a.positions(),
                    100.0 * a.equal() / a.positions(), a.equalRounded(), 100.0 * a.equalRounded() / a.positions());
            a.flips().forEach(System.out::println);
            return;
        }
        System.out.print(run(config, file, args.length > 3 ? Double.parseDouble(args[3]) : 20).toMarkdown());
    }

    /** Warms up once, then repeats {@code call} for at least the given time (at least twice). */
    private static double imagesPerSecond(int batch, double seconds, Runnable call) {
        call.run();
        long start = System.nanoTime();
        int calls = 0;
        do {
            call.run();
            calls++;
        } while (calls < 2 || (System.nanoTime() - start) / 1e9 < seconds);
        double rate = calls * batch / ((System.nanoTime() - start) / 1e9);
        LOG.info("batch {}: {} images/s", batch, String.format(Locale.ROOT, "%.3f", rate));
        return rate;
    }
}
