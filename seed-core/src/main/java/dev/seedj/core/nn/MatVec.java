package dev.seedj.core.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.weights.Float16;
import dev.seedj.core.weights.LibtorchOps;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The matrix-vector product of decoding one token, {@code y = W x (+ b)} for a single input row, computed outside
 * libtorch over the weight tensor's own memory (no copy). Decoding streams every weight once per token, so the
 * product's speed is the rate at which it reads the matrix. The weight may be float32, bfloat16 (widened in registers:
 * half the bytes read) or int8 with one float32 scale per row ({@link Int8Linear}, read at a quarter of the bytes,
 * libtorch's weight-only int8 kernel being far slower); the input and the result are float32, accumulated in float32.
 * Figures against libtorch's product: docs/benchmarks.md ({@code MatVecBenchmark}, {@code LlmBenchmark}).
 *
 * <p>The product runs on the calling thread, or inside {@link DecodeThreads#streaming} split by rows over that many
 * threads ({@code KernelTeam}'s spinning workers helping the calling thread): splitting pays only where libtorch's
 * OpenMP threads do not spin on the other cores, which that scope arranges.
 *
 * <p>Two kernels compute it, chosen once per process ({@value #KERNEL_PROPERTY}: {@code native}, {@code vector} or
 * {@code libtorch}; by default the first that loads, in that order):
 * <ul>
 *   <li>{@code NativeRowKernel}: C with AVX-512 and software prefetch, built into the jar for Linux x86-64; it needs
 *       no JVM option.
 *   <li>{@code VectorRowKernel}: the JDK's Vector API, an incubator module, used when the JVM was started with
 *       {@code --add-modules jdk.incubator.vector} (the JVM then prints a one-line notice). It reads the weights with
 *       the API's {@code ByteBuffer} methods, which JDK 17 to 19 have; on a later JDK its self-test fails, a warning
 *       says so, and libtorch's product is used.
 * </ul>
 * Without either, {@link #applies} is false and callers keep libtorch's product. Both kernels sum a row's elements in
 * an order that does not depend on how the rows are split between threads, and each passes a self-test against plain
 * Java when it is loaded.
 *
 * <p>Thread-safe: products may run concurrently (split ones share one team of workers, one product at a time; a
 * product finding the team busy runs on its calling thread).
 */
public final class MatVec {
    /** System property choosing the kernel: {@code native}, {@code vector} or {@code libtorch} (no kernel). */
    public static final String KERNEL_PROPERTY = "seedj.matvec";
    private static final Logger LOG = LoggerFactory.getLogger(MatVec.class);
    /**
     * Matrices smaller than this are multiplied on the calling thread alone (a hand-off costs more). 256 KB keeps
     * OPT-125m's int8 768 x 768 matrices (590 KB) on every core: 119 against 103 tokens/s with 1 MB, and 64 KB
     * gained nothing more (docs/benchmarks.md, sessions 16-17).
     */
    private static final long PARALLEL_BYTES = 256 << 10;
    /** The bytes of the rows a thread takes at a time in a split product. */
    private static final long CHUNK_BYTES = 128 << 10;
    /** Threads a product of the calling thread is split over (set by {@link DecodeThreads}). */
    private static final ThreadLocal<int[]> PARTS = ThreadLocal.withInitial(() -> new int[] {1});
    private static final RowKernel KERNEL = loadKernel();

    /** How the weight's elements are stored. */
    enum Storage {
        /** 4 bytes per element. */
        FLOAT32(4),
        /** 2 bytes per element, the upper half of a float32. */
        BFLOAT16(2),
        /** 1 byte per element, times the row's scale. */
        INT8(1);

        final int bytes;

        Storage(int bytes) {
            this.bytes = bytes;
        }
    }

    /** Dot products of some of a matrix's rows with one vector: {@code NativeRowKernel}, {@code VectorRowKernel}. */
    interface RowKernel {
        /**
         * @param storage the element type of the weight
         * @param x the vector
         * @return {@code x} in the order {@link #rows} reads it for that storage (possibly {@code x} itself)
         */
        float[] prepare(Storage storage, float[] x);

        /**
         * {@code y[r] = scale_r * sum_i W[r, i] x[i]} for {@code from <= r < to} ({@code scale_r} 1 without scales).
         *
         * @param storage the element type of {@code w}
         * @param w the matrix, row-major [rows, x.length], little-endian
         * @param scales one per row (int8), or null
         * @param x the vector, as {@link #prepare} returned it
         * @param y the result, written at rows {@code from .. to-1}
         * @param from first row
         * @param to one past the last row
         */
        void rows(Storage storage, ByteBuffer w, float[] scales, float[] x, float[] y, int from, int to);

        /**
         * {@code y += sum_r c[r] W[r, :]}, i.e. {@code y += W^T c}, for a float32 matrix.
         *
         * @param w the matrix, row-major [c.length, y.length], little-endian float32
         * @param c one coefficient per row
         * @param y the result, added to
         */
        void combine(ByteBuffer w, float[] c, float[] y);
    }

    private MatVec() {}

    /** @return the threads this thread's products are split over (1 outside {@link DecodeThreads#streaming}) */
    static int streamingParts() {
        return PARTS.get()[0];
    }

    /** @param parts the threads this thread's products are split over from now on */
    static void setStreamingParts(int parts) {
        PARTS.get()[0] = parts;
    }

    /** @return whether a kernel is loaded (the native one, or the Vector API's in a JVM with its module) */
    public static boolean available() {
        return KERNEL != null;
    }

    /** @return the loaded kernel, for reports: "native (AVX-512)", "Java Vector API" or "none (libtorch)" */
    public static String kernelName() {
        return KERNEL instanceof NativeRowKernel ? "native (AVX-512)" : KERNEL != null ? "Java Vector API"
                : "none (libtorch)";
    }

    /**
     * @param x the input of a linear layer, [..., in]
     * @param weight its matrix [out, in]
     * @return whether {@link #multiply} computes this product: {@link #reads} holds for the weight, {@code x} is one
     *     float32 row on the CPU, and no gradient is being recorded through them (the kernel is invisible to
     *     autograd)
     */
    public static boolean applies(NDArray x, NDArray weight) {
        return reads(weight) && x.getDataType() == DataType.FLOAT32 && onCpu(x)
                && x.getShape().size() == weight.getShape().get(1)
                && !(TorchAutograd.isRecording() && (x.hasGradient() || weight.hasGradient()));
    }

    /**
     * @param weight a linear layer's matrix [out, in]
     * @return whether the kernel can read it: the kernel is available and the weight is a float32, bfloat16 or int8
     *     matrix of at most 2 GiB on the CPU
     */
    public static boolean reads(NDArray weight) {
        return KERNEL != null && weight.getShape().dimension() == 2 && onCpu(weight) && storageOf(weight) != null
                && weight.getShape().size() * storageOf(weight).bytes <= Integer.MAX_VALUE;
    }

    /**
     * {@code y = W x (* scales) + b} for one row ({@link #applies} must hold). With a bfloat16 weight {@code x} is
     * rounded to bfloat16 first, as {@link Linear} does for libtorch's product.
     *
     * @param x float32 [..., in] holding one row
     * @param weight [out, in]: float32, bfloat16, or int8 with {@code scales}
     * @param scales float32 [out] for an int8 weight, else null
     * @param bias float32 or bfloat16 [out], or null
     * @return float32 [..., out], in {@code x}'s manager
     * @throws IllegalArgumentException if the product does not apply or an int8 weight comes without scales
     */
    public static NDArray multiply(NDArray x, NDArray weight, NDArray scales, NDArray bias) {
        if (!applies(x, weight)) {
            throw new IllegalArgumentException("no Java matrix-vector product for x " + x.getDataType() + x.getShape()
                    + " and weight " + weight.getDataType() + weight.getShape());
        }
        float[] y = KernelMatrix.of(weight, scales, bias).multiply(x.toFloatArray());
        long[] shape = x.getShape().getShape().clone();
        shape[shape.length - 1] = y.length;
        return x.getManager().create(y, new Shape(shape));
    }

    /** @return how the kernel reads the weight's elements, or null for a type it does not read */
    static Storage storageOf(NDArray weight) {
        DataType type = weight.getDataType();
        return type == DataType.FLOAT32 ? Storage.FLOAT32
                : type == DataType.INT8 ? Storage.INT8 : LibtorchOps.isBfloat16(weight) ? Storage.BFLOAT16 : null;
    }

    /**
     * {@code y = W x (* scales)} through the kernel, split over this thread's streaming parts.
     *
     * @param storage the element type of {@code w}
     * @param w the matrix, row-major [y.length, x.length], little-endian
     * @param scales one per row (int8), or null
     * @param x the vector, float32 (rounded to bfloat16 first for a bfloat16 matrix); not modified
     * @param y the result
     */
    static void product(Storage storage, ByteBuffer w, float[] scales, float[] x, float[] y) {
        float[] input = x;
        if (storage == Storage.BFLOAT16) {
            input = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                input[i] = Float16.bfloat16ToFloat(Float16.bfloat16FromFloat(x[i]));
            }
        }
        rows(storage, w, scales, KERNEL.prepare(storage, input), y);
    }

    /**
     * {@code y = W x} for a small float32 matrix on the calling thread (attention scores over cached keys).
     *
     * @param w row-major [y.length, x.length], little-endian float32
     * @param x the vector
     * @param y the result
     * @throws IllegalStateException if the kernel is not {@linkplain #available() available}
     */
    static void smallProduct(ByteBuffer w, float[] x, float[] y) {
        requireKernel().rows(Storage.FLOAT32, w, null, x, y, 0, y.length);
    }

    /**
     * {@code y += W^T c} for a small float32 matrix on the calling thread (attention's weighted sum of cached values).
     *
     * @param w row-major [c.length, y.length], little-endian float32
     * @param c one coefficient per row of {@code w}
     * @param y the result, added to
     * @throws IllegalStateException if the kernel is not {@linkplain #available() available}
     */
    static void smallTransposedProduct(ByteBuffer w, float[] c, float[] y) {
        requireKernel().combine(w, c, y);
    }

    private static RowKernel requireKernel() {
        if (KERNEL == null) {
            throw new IllegalStateException("no matrix-vector kernel is available (the native one needs Linux x86-64"
                    + " with AVX-512; the Vector API's needs the JVM option --add-modules jdk.incubator.vector)");
        }
        return KERNEL;
    }

    private static boolean onCpu(NDArray array) {
        return Device.Type.CPU.equals(array.getDevice().getDeviceType());
    }

    /**
     * Splits the rows over the calling thread and {@link KernelTeam}'s workers, in chunks of about
     * {@value #CHUNK_BYTES} bytes that each thread takes in turn.
     */
    private static void rows(Storage storage, ByteBuffer w, float[] scales, float[] x, float[] y) {
        int out = y.length;
        KernelTeam team = KernelTeam.shared();
        int threads = w.capacity() < PARALLEL_BYTES ? 1 : Math.min(streamingParts(), team.maxThreads());
        if (threads == 1) {
            KERNEL.rows(storage, w, scales, x, y, 0, out);
            return;
        }
        int rowsPerChunk = (int) Math.max(1, Math.min(out, CHUNK_BYTES / ((long) x.length * storage.bytes)));
        int chunks = (out + rowsPerChunk - 1) / rowsPerChunk;
        team.run(threads, chunks, c -> KERNEL.rows(storage, w.duplicate().order(ByteOrder.LITTLE_ENDIAN), scales, x, y,
                c * rowsPerChunk, Math.min(out, (c + 1) * rowsPerChunk)));
    }

    /**
     * The kernel {@value #KERNEL_PROPERTY} asks for: {@code native}, {@code vector} or {@code libtorch} (none); by
     * default the native kernel where it loads, else the Vector API kernel where the JVM has its module.
     */
    private static RowKernel loadKernel() {
        String choice = System.getProperty(KERNEL_PROPERTY, "");
        if (choice.equals("libtorch")) {
            LOG.debug("matrix-vector products: libtorch (-D{}=libtorch)", KERNEL_PROPERTY);
            return null;
        }
        if (!choice.equals("vector")) {
            try {
                RowKernel kernel = new NativeRowKernel();
                selfTest(kernel);
                LOG.debug("matrix-vector products: native AVX-512 kernel");
                return kernel;
            } catch (UnsupportedOperationException e) { // not built for this platform, or no AVX-512
                if (choice.equals("native")) {
                    LOG.warn("no native kernel ({}); trying the Vector API kernel", e.getMessage());
                } else {
                    LOG.debug("no native kernel ({})", e.getMessage());
                }
            } catch (RuntimeException | LinkageError e) { // a library that does not load, or fails its self-test
                LOG.warn("the native kernel could not be used ({}); trying the Vector API kernel", e.toString());
            }
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.debug("matrix-vector products: libtorch (start the JVM with --add-modules jdk.incubator.vector for"
                    + " the faster Java kernel)");
            return null;
        }
        try {
            // loaded by name: the kernel's class refers to the incubator module, which may be absent
            RowKernel kernel = (RowKernel) Class.forName(MatVec.class.getPackageName() + ".VectorRowKernel")
                    .getDeclaredConstructor().newInstance();
            selfTest(kernel);
            LOG.debug("matrix-vector products: Java Vector API kernel");
            return kernel;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            LOG.warn("the Vector API kernel could not be loaded ({}); using libtorch. The kernel reads the weights"
                    + " through the Vector API's ByteBuffer methods, which JDK 17 to 19 have", e.toString());
            return null;
        }
    }

    /**
     * Multiplies a small matrix of each storage (with a vector tail), and combines the float32 one's rows, against
     * plain Java: the incubating API's methods differ between JDK releases, so a JDK whose API does not match fails
     * here (a {@link LinkageError}) rather than in a model, and a native library that computes wrongly is not used.
     */
    private static void selfTest(RowKernel kernel) {
        int in = 67; // vector steps and a scalar tail with 16-lane vectors
        int out = 6; // four rows read side by side and two alone
        float[] x = new float[in];
        ByteBuffer f32 = ByteBuffer.allocateDirect(out * in * 4).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer bf16 = ByteBuffer.allocateDirect(out * in * 2).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer i8 = ByteBuffer.allocateDirect(out * in).order(ByteOrder.LITTLE_ENDIAN);
        float[] expected = new float[out];
        float[] scales = new float[out];
        for (int r = 0; r < out; r++) {
            scales[r] = r % 2 == 0 ? 2f : 0.5f;
            for (int i = 0; i < in; i++) {
                int v = (r * 31 + i * 7) % 23 - 11; // small integers: every sum is exact in float32
                x[i] = i % 5 - 2;
                f32.putFloat((r * in + i) * 4, v);
                bf16.putShort((r * in + i) * 2, Float16.bfloat16FromFloat(v));
                i8.put(r * in + i, (byte) v);
                expected[r] += v * x[i];
            }
        }
        for (Storage storage : Storage.values()) {
            ByteBuffer w = storage == Storage.FLOAT32 ? f32 : storage == Storage.BFLOAT16 ? bf16 : i8;
            float[] y = new float[out];
            kernel.rows(storage, w, storage == Storage.INT8 ? scales : null, kernel.prepare(storage, x), y, 0, out);
            for (int r = 0; r < out; r++) {
                float want = storage == Storage.INT8 ? expected[r] * scales[r] : expected[r];
                if (y[r] != want) {
                    throw new IllegalStateException(storage + " self-test: row " + r + " gave " + y[r] + ", not "
                            + want);
                }
            }
        }
        float[] combined = new float[in];
        kernel.combine(f32, new float[] {1, 2}, combined); // row 0 + 2 * row 1
        for (int i = 0; i < in; i++) {
            float want = f32.getFloat(i * 4) + 2 * f32.getFloat((in + i) * 4);
            if (combined[i] != want) {
                throw new IllegalStateException("combine self-test: element " + i + " gave " + combined[i] + ", not "
                        + want);
            }
        }
    }
}
