package dev.seedj.tokenizer;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.batch.ItemResult;
import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.train.Gradients;
import dev.seedj.core.weights.ComputeType;
import dev.seedj.core.weights.StateDict;
import dev.seedj.tokenizer.model.StageRecorder;
import dev.seedj.tokenizer.model.VisualTokenizerModel;
import java.awt.image.BufferedImage;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SEED visual tokenizer: an image becomes a short sequence of causal discrete codes (32 for the released
 * models), and codes become the embeddings that condition image generation (v1: 77 x 768 Stable Diffusion
 * text conditioning; v2: one 1024-d unCLIP image embedding), computed as the official SEED code does.
 *
 * <pre>{@code
 * try (SeedTokenizer tokenizer = SeedTokenizer.load(Path.of("models/seed-tokenizer-v2"))) {
 *     int[] codes = tokenizer.tokenize(ImagePreprocessor.decode(Path.of("cat.jpg")));
 *     float[][] unclipEmbedding = tokenizer.detokenize(codes); // [1][1024]
 * }
 * }</pre>
 *
 * <p>The weights live in the tokenizer's own {@link NDManager} on the chosen device; every call works in a
 * sub-manager that is closed before it returns, and results are Java arrays or arrays attached to a
 * manager the caller owns. Nothing records gradients.
 *
 * <p>Thread-safe: any number of threads may call {@code tokenize}, {@code encode} and {@code detokenize}
 * concurrently on one instance (the network only reads its weights). {@link #close()} waits for running
 * calls to finish; later calls throw {@link IllegalStateException}.
 */
public final class SeedTokenizer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SeedTokenizer.class);

    /** Images per forward pass in {@link #tokenize(List)}, which bounds activation memory. */
    public static final int MAX_BATCH = 8;

    private final TokenizerConfig config;
    private final ImagePreprocessor preprocessor;
    private final NDManager manager;
    private final VisualTokenizerModel model;
    private final long parameterCount;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    /** The tokenizer's sub-directory in a model bundle such as {@code models/seed-mini}. */
    public static final String BUNDLE_TOKENIZER_DIR = "tokenizer";

    private SeedTokenizer(TokenizerConfig config, NDManager manager, VisualTokenizerModel model) {
        this.config = config;
        this.manager = manager;
        this.model = model;
        this.parameterCount = model.namedParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
        this.preprocessor = new ImagePreprocessor(config.imageSize(), config.resize(),
                toDoubles(config.imageMean()), toDoubles(config.imageStd()));
    }

    /**
     * Loads a tokenizer on the CPU.
     *
     * @param modelDir a directory holding {@code seed-tokenizer.json} and the weight files it names, or a model
     *     bundle root with a {@code tokenizer/} sub-directory ({@link #modelDirectory})
     * @return the tokenizer
     * @throws dev.seedj.core.config.ConfigException if the config has a missing or inconsistent field
     * @throws dev.seedj.core.weights.CheckpointException if a weight file is unreadable, lacks weights
     *     (listed by name) or holds a weight of the wrong shape
     */
    public static SeedTokenizer load(Path modelDir) {
        return load(modelDir, Device.cpu());
    }

    /**
     * Loads a tokenizer.
     *
     * @param modelDir a directory holding {@code seed-tokenizer.json} and the weight files it names, or a model
     *     bundle root with a {@code tokenizer/} sub-directory ({@link #modelDirectory})
     * @param device where the weights live and the network runs
     * @return the tokenizer
     * @throws dev.seedj.core.config.ConfigException if the config has a missing or inconsistent field
     * @throws dev.seedj.core.weights.CheckpointException if a weight file is unreadable, lacks weights
     *     (listed by name) or holds a weight of the wrong shape
     */
    public static SeedTokenizer load(Path modelDir, Device device) {
        Path dir = modelDirectory(modelDir);
        TokenizerConfig config = TokenizerConfig.read(dir.resolve(TokenizerConfig.FILE_NAME));
        return build(config, device, (model, manager) -> TokenizerWeights.load(model, dir, config, manager));
    }

    /**
     * Loads a tokenizer computing in {@code dtype} whatever its config's {@code dtype} says (see
     * {@link #load(TokenizerConfig, StateDict, Device, ComputeType)} for what bfloat16 keeps in float32).
     *
     * @param modelDir a directory holding {@code seed-tokenizer.json} and the weight files it names, or a model
     *     bundle root with a {@code tokenizer/} sub-directory ({@link #modelDirectory})
     * @param device where the weights live and the network runs
     * @param dtype the compute type
     * @return the tokenizer
     * @throws dev.seedj.core.config.ConfigException if the config has a missing or inconsistent field
     * @throws dev.seedj.core.weights.CheckpointException if a weight file is unreadable, lacks weights
     *     (listed by name) or holds a weight of the wrong shape
     */
    public static SeedTokenizer load(Path modelDir, Device device, ComputeType dtype) {
        Objects.requireNonNull(dtype, "dtype");
        Path dir = modelDirectory(modelDir);
        TokenizerConfig config = TokenizerConfig.read(dir.resolve(TokenizerConfig.FILE_NAME)).withDtype(dtype);
        return build(config, device, (model, manager) -> TokenizerWeights.load(model, dir, config, manager));
    }

    /**
     * Where the tokenizer of a model directory is: the directory itself when it holds
     * {@value TokenizerConfig#FILE_NAME}, or its {@code tokenizer/} sub-directory when it is a model bundle
     * such as {@code models/seed-mini} (tokenizer, language model and adapter side by side).
     *
     * @param modelDirOrBundle a tokenizer directory or a bundle root
     * @return the tokenizer directory
     * @throws UncheckedIOException naming the directory if neither holds a tokenizer config
     */
    public static Path modelDirectory(Path modelDirOrBundle) {
        if (Files.isRegularFile(modelDirOrBundle.resolve(TokenizerConfig.FILE_NAME))) {
            return modelDirOrBundle;
        }
        Path bundled = modelDirOrBundle.resolve(BUNDLE_TOKENIZER_DIR);
        if (Files.isRegularFile(bundled.resolve(TokenizerConfig.FILE_NAME))) {
            return bundled;
        }
        String what = Files.isDirectory(modelDirOrBundle) ? "holds neither " + TokenizerConfig.FILE_NAME + " nor "
                + BUNDLE_TOKENIZER_DIR + "/" + TokenizerConfig.FILE_NAME : "does not exist";
        throw new UncheckedIOException("no tokenizer model at " + modelDirOrBundle + ": the directory " + what,
                new NoSuchFileException(modelDirOrBundle.toString()));
    }

    /**
     * Builds a tokenizer from weights already opened (e.g. converted or in memory); every parameter must be
     * present under its reference name. It computes in the config's {@link TokenizerConfig#dtype()}.
     *
     * @param config the sizes and compute type (its {@code weights} list is not used)
     * @param weights the state dict
     * @param device where the weights live and the network runs
     * @return the tokenizer
     * @throws dev.seedj.core.weights.CheckpointException if weights are missing (listed by name) or of the
     *     wrong shape
     */
    public static SeedTokenizer load(TokenizerConfig config, StateDict weights, Device device) {
        return load(config, weights, device, config.dtype());
    }

    /**
     * Builds a tokenizer computing in {@code dtype} from weights already opened (the config's own {@code dtype} is
     * not used). With {@link ComputeType#BFLOAT16} the matrices of the linear layers are bfloat16 and their products
     * read bfloat16 inputs (nearly all of the work); everything else stays float32: the residual sums, layer norms,
     * attention scores and softmax, the patch embedding, and the layers that pick the nearest code
     * ({@code encode_task_layer}, {@code quantize}). Images, codes and embeddings are float32 either way.
     *
     * @param config the sizes (its {@code weights} list is not used)
     * @param weights the state dict
     * @param device where the weights live and the network runs
     * @param dtype the compute type
     * @return the tokenizer
     * @throws dev.seedj.core.weights.CheckpointException if weights are missing (listed by name) or of the
     *     wrong shape
     */
    public static SeedTokenizer load(TokenizerConfig config, StateDict weights, Device device, ComputeType dtype) {
        return build(config, device, (model, manager) -> TokenizerWeights.load(model, weights, manager, dtype));
    }

    /**
     * Builds a tokenizer with randomly initialised weights (normal, std 0.02; LayerNorm gains 1; biases 0),
     * for benchmarks and tests of throughput and memory.
     *
     * @param config the sizes
     * @param device where the weights live and the network runs
     * @return the tokenizer
     */
    public static SeedTokenizer withRandomWeights(TokenizerConfig config, Device device) {
        return build(config, device, (model, manager) -> {
            model.initializeParameters(manager);
            for (Parameter p : model.namedParameters().values()) {
                p.getArray().setRequiresGradient(false);
            }
        });
    }

    @FunctionalInterface
    private interface WeightSource {
        void fill(VisualTokenizerModel model, NDManager manager);
    }

    private static SeedTokenizer build(TokenizerConfig config, Device device, WeightSource weights) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(device, "device");
        long start = System.nanoTime();
        VisualTokenizerModel model = new VisualTokenizerModel(config);
        NDManager manager = NDManager.newBaseManager(device);
        try {
            weights.fill(model, manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        SeedTokenizer tokenizer = new SeedTokenizer(config, manager, model);
        LOG.info("SEED {} tokenizer ready on {}: {} parameters in {} ms", config.version().jsonName(), device,
                tokenizer.parameterCount, (System.nanoTime() - start) / 1_000_000);
        return tokenizer;
    }

    /** @return the configuration */
    public TokenizerConfig config() {
        return config;
    }

    /** @return the image transform this tokenizer's model expects */
    public ImagePreprocessor preprocessor() {
        return preprocessor;
    }

    /** @return the number of weights (float32 values) the network holds */
    public long parameterCount() {
        return parameterCount;
    }

    /**
     * @return the type the network computes in: {@link ComputeType#BFLOAT16} when its linear layers' matrices are
     *     bfloat16
     */
    public ComputeType dtype() {
        return model.computeType();
    }

    /** @return the device the network runs on */
    public Device device() {
        return manager.getDevice();
    }

    /**
     * Tokenizes one image: preprocessing, then {@link #encode}.
     *
     * @param image any image; it is converted to RGB and resized as the reference does
     * @return its codes, {@code config().numCodes()} values in {@code [0, codebook size)}
     */
    public int[] tokenize(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        return tokenize(List.of(image))[0];
    }

    /**
     * Tokenizes images in batches of up to {@link #MAX_BATCH}.
     *
     * @param images any images
     * @return their codes in list order, [images][codes]
     * @throws IllegalArgumentException if an image is null
     */
    public int[][] tokenize(List<BufferedImage> images) {
        Objects.requireNonNull(images, "images");
        for (int i = 0; i < images.size(); i++) {
            if (images.get(i) == null) {
                throw new IllegalArgumentException("images[" + i + "] is null");
            }
        }
        int[][] out = new int[images.size()][];
        for (int start = 0; start < images.size(); start += MAX_BATCH) {
            List<BufferedImage> chunk = images.subList(start, Math.min(images.size(), start + MAX_BATCH));
            int[][] codes = inference(work -> {
                NDArray pixels = preprocessor.preprocess(chunk, work); // [b, 3, S, S]
                return toIntRows(model.encode(pixels, StageRecorder.NONE).codes());
            });
            System.arraycopy(codes, 0, out, start, codes.length);
        }
        return out;
    }

    /**
     * Tokenizes images one result per image: an image that cannot be tokenized (null, or failing its
     * preprocessing) gets its own failure and the others their codes, batched as {@link #tokenize(List)} does.
     *
     * @param images any images
     * @return per image in list order: its codes, or why it has none
     */
    public List<ItemResult<int[]>> tokenizeEach(List<BufferedImage> images) {
        Objects.requireNonNull(images, "images");
        return tokenizeEach(images.size(), i -> {
            if (images.get(i) == null) {
                throw new IllegalArgumentException("images[" + i + "] is null");
            }
            return images.get(i);
        });
    }

    /**
     * Reads and tokenizes image files, one result per file: a file that is missing or not a readable image gets
     * its own failure ({@link dev.seedj.core.image.ImageDecodeException} naming the file) and the others their
     * codes, batched as {@link #tokenize(List)} does. Files are read batch by batch, so memory does not grow
     * with the number of files.
     *
     * @param files image files
     * @return per file in list order: its codes, or why it has none
     */
    public List<ItemResult<int[]>> tokenizeFiles(List<Path> files) {
        Objects.requireNonNull(files, "files");
        return tokenizeEach(files.size(), i -> ImagePreprocessor.decode(files.get(i)));
    }

    /**
     * Loads and preprocesses each input on its own (a failure stays with its input), then encodes them in batches
     * of up to {@link #MAX_BATCH}; a batch whose forward pass fails fails each of its images.
     */
    private List<ItemResult<int[]>> tokenizeEach(int count, IntFunction<BufferedImage> load) {
        acquire().unlock(); // a closed tokenizer is the caller's error, not every item's
        List<ItemResult<int[]>> out = new ArrayList<>(count);
        List<Integer> pending = new ArrayList<>(MAX_BATCH);
        List<float[]> pixels = new ArrayList<>(MAX_BATCH);
        for (int i = 0; i < count; i++) {
            out.add(null);
            try {
                pixels.add(preprocessor.toCHW(load.apply(i))); // [3, S, S]
                pending.add(i);
            } catch (RuntimeException e) { // unreadable, null, or failing its preprocessing
                out.set(i, ItemResult.failure(e));
            }
            if (pending.size() == MAX_BATCH) {
                encodeBatch(pending, pixels, out);
                pending.clear();
                pixels.clear();
            }
        }
        if (!pending.isEmpty()) {
            encodeBatch(pending, pixels, out);
        }
        return out;
    }

    /** Encodes preprocessed images as one batch into {@code out} at their indices. */
    private void encodeBatch(List<Integer> indices, List<float[]> pixels, List<ItemResult<int[]>> out) {
        int s = config.imageSize();
        int perImage = 3 * s * s;
        float[] batch = new float[perImage * pixels.size()]; // [b, 3, S, S]
        for (int b = 0; b < pixels.size(); b++) {
            System.arraycopy(pixels.get(b), 0, batch, b * perImage, perImage);
        }
        try {
            int[][] codes = inference(work -> toIntRows(model.encode(
                    work.create(batch, new Shape(pixels.size(), 3, s, s)), StageRecorder.NONE).codes()));
            for (int b = 0; b < codes.length; b++) {
                out.set(indices.get(b), ItemResult.success(codes[b]));
            }
        } catch (RuntimeException e) {
            for (int index : indices) {
                out.set(index, ItemResult.failure(e));
            }
        }
    }

    /**
     * Encodes preprocessed pixels.
     *
     * @param pixels float32 [B, 3, S, S] with S = {@code config().imageSize()}, normalised as
     *     {@link #preprocessor()} does; any manager and device
     * @return the codes [B, Q], the causal embeddings [B, Q, hidden] and the quantized vectors
     *     [B, Q, codebook dim], owned by the returned object
     * @throws IllegalArgumentException if the pixels have the wrong shape or type, or are not finite
     */
    public Encoding encode(NDArray pixels) {
        return inference(work -> {
            VisualTokenizerModel.Encoded encoded = model.encode(copyPixels(pixels, work), StageRecorder.NONE);
            NDManager result = manager.newSubManager();
            return new Encoding(result, ArrayScopes.adopt(encoded.codes(), result),
                    ArrayScopes.adopt(encoded.causalEmbeddings(), result), ArrayScopes.adopt(encoded.quantized(), result));
        });
    }

    /**
     * The generation embeddings of one image's codes.
     *
     * @param codes {@code config().numCodes()} codes in {@code [0, codebook size)}
     * @return [N][D]: v1 77 x 768 Stable Diffusion text conditioning, v2 1 x 1024 unCLIP image embedding
     * @throws IllegalArgumentException naming the bad value if a code is out of range or the count is wrong
     */
    public float[][] detokenize(int[] codes) {
        Objects.requireNonNull(codes, "codes");
        if (codes.length != config.numCodes()) {
            throw new IllegalArgumentException(
                    "expected " + config.numCodes() + " codes per image, got " + codes.length);
        }
        long[] values = new long[codes.length];
        for (int i = 0; i < codes.length; i++) {
            values[i] = codes[i];
        }
        checkRange(values);
        float[] flat = inference(work -> model.detokenize(work.create(values, new Shape(1, codes.length)),
                StageRecorder.NONE).toFloatArray()); // [1, N, D]
        int n = config.numGenerationTokens();
        int d = config.generationDim();
        float[][] out = new float[n][];
        for (int t = 0; t < n; t++) {
            out[t] = Arrays.copyOfRange(flat, t * d, (t + 1) * d);
        }
        return out;
    }

    /**
     * The generation embeddings of a batch of codes.
     *
     * @param codes integer [B, Q] with Q = {@code config().numCodes()}, values in {@code [0, codebook size)}
     * @param manager owns the returned array
     * @return float32 [B, N, D] (v1 N = 77, D = 768; v2 N = 1, D = 1024)
     * @throws IllegalArgumentException naming the bad value if a code is out of range, or if the shape or
     *     type is wrong
     */
    public NDArray detokenize(NDArray codes, NDManager manager) {
        Objects.requireNonNull(codes, "codes");
        Objects.requireNonNull(manager, "manager");
        Shape shape = codes.getShape();
        if (shape.dimension() != 2 || shape.get(0) < 1 || shape.get(1) != config.numCodes()) {
            throw new IllegalArgumentException(
                    "codes must be [B, " + config.numCodes() + "] with B >= 1, got " + shape);
        }
        long[] values = switch (codes.getDataType()) {
            case INT64 -> codes.toLongArray();
            case INT32 -> Arrays.stream(codes.toIntArray()).asLongStream().toArray();
            default -> throw new IllegalArgumentException(
                    "codes must be int64 or int32, got " + codes.getDataType());
        };
        checkRange(values);
        return inference(work -> {
            // [B, N, D], owned by the caller's manager
            return ArrayScopes.adopt(model.detokenize(work.create(values, shape), StageRecorder.NONE), manager);
        });
    }

    /**
     * Runs the reference pipeline on preprocessed pixels and returns every intermediate stage under the
     * reference fixtures' names ({@code vit.block0}, {@code qformer.last_hidden_state}, {@code codes},
     * v1 {@code generation_embeds}, v2 {@code entry.image_embeds}, ...), for parity checks and debugging.
     *
     * @param pixels float32 [B, 3, S, S]
     * @param manager owns the returned arrays
     * @return the stages in computation order
     * @throws IllegalArgumentException if the pixels have the wrong shape or type, or are not finite
     */
    public Map<String, NDArray> forwardWithIntermediates(NDArray pixels, NDManager manager) {
        Objects.requireNonNull(manager, "manager");
        Map<String, NDArray> stages = new LinkedHashMap<>();
        inference(work -> model.referenceForward(copyPixels(pixels, work),
                (stage, value) -> stages.put(stage, ArrayScopes.adopt(value.duplicate(), manager))));
        return stages;
    }

    /** Frees the weights, after waiting for running calls; later calls throw {@link IllegalStateException}. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                manager.close();
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /**
     * Runs one call: refuses if closed, keeps {@link #close()} waiting until done, records no gradients
     * ({@code torch.no_grad()}) and frees every array of the call except those {@code call} moves out.
     */
    private <T> T inference(Function<NDManager, T> call) {
        Lock lock = acquire();
        try (NDManager work = manager.newSubManager()) {
            return Gradients.withoutGrad(() -> call.apply(work));
        } finally {
            lock.unlock();
        }
    }

    private Lock acquire() {
        Lock lock = lifecycle.readLock();
        lock.lock();
        if (closed) {
            lock.unlock();
            throw new IllegalStateException("the tokenizer is closed");
        }
        return lock;
    }

    private NDArray copyPixels(NDArray pixels, NDManager work) {
        Objects.requireNonNull(pixels, "pixels");
        int s = config.imageSize();
        Shape shape = pixels.getShape();
        if (shape.dimension() != 4 || shape.get(0) < 1 || shape.get(1) != 3 || shape.get(2) != s
                || shape.get(3) != s) {
            throw new IllegalArgumentException(
                    "pixels must be [B, 3, " + s + ", " + s + "] with B >= 1 (preprocessed images), got " + shape);
        }
        if (pixels.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("pixels must be float32, got " + pixels.getDataType());
        }
        NDArray x;
        if (pixels.getManager().getEngine() == work.getEngine() && pixels.getDevice().equals(work.getDevice())) {
            x = ArrayScopes.adopt(pixels.duplicate(), work); // a native copy: no Java round trip, no direct buffer left
        } else {
            x = work.create(pixels.toFloatArray(), shape);
        }
        if (x.isNaN().any().getBoolean() || x.isInfinite().any().getBoolean()) {
            float[] values = x.toFloatArray();
            int i = 0;
            while (Float.isFinite(values[i])) {
                i++;
            }
            throw new IllegalArgumentException("pixels must be finite, found " + values[i] + " at flat index " + i);
        }
        return x;
    }

    private void checkRange(long[] codes) {
        int size = config.codebook().size();
        for (int i = 0; i < codes.length; i++) {
            if (codes[i] < 0 || codes[i] >= size) {
                throw new IllegalArgumentException("code " + codes[i] + " at index " + i
                        + " is outside the codebook [0, " + size + ")");
            }
        }
    }

    static int[][] toIntRows(NDArray codes) {
        long[] flat = codes.toLongArray(); // [B, Q]
        int batch = (int) codes.getShape().get(0);
        int perImage = (int) codes.getShape().get(1);
        int[][] out = new int[batch][perImage];
        for (int b = 0; b < batch; b++) {
            for (int q = 0; q < perImage; q++) {
                out[b][q] = (int) flat[b * perImage + q];
            }
        }
        return out;
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
