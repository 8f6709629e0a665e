package dev.seedj.core.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * A state dict backed by one checkpoint file: subclasses say which tensors exist and hand over each tensor's
 * bytes (contiguous, row-major, little-endian); this class converts them to Java arrays and NDArrays. A float32
 * tensor the format can map in place becomes an array over the mapped file without a copy ({@link FileMappings});
 * a 16-bit one it can map is converted inside libtorch from the mapped bytes (no Java array, no copy on the heap).
 *
 * <p>Reads may run concurrently from several threads if the subclass's {@link #readBytes} allows it;
 * {@link #close()} must not race with reads.
 */
abstract class FileStateDict extends AbstractStateDict {
    /** Largest Java array we allocate (a few below {@code Integer.MAX_VALUE}, as the JDK does). */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final Path file;
    private volatile boolean closed;

    FileStateDict(Path file) {
        this.file = file;
    }

    /** @return the checkpoint file */
    final Path file() {
        return file;
    }

    /**
     * Reads one tensor's elements.
     *
     * @param key a key of this state dict
     * @param info its dtype and shape
     * @param byteLength {@code numel * dtype.byteSize()}, already checked to fit a Java array
     * @return exactly {@code byteLength} bytes from position 0, row-major, little-endian
     */
    abstract ByteBuffer readBytes(String key, TensorInfo info, int byteLength);

    /**
     * Maps one contiguous tensor's bytes for use in place, if the format stores them contiguously, uncompressed and
     * aligned to their element size in the file.
     *
     * @param key a key of this state dict
     * @param info its dtype and shape
     * @param byteLength {@code numel * dtype.byteSize()}, positive and at most {@link #MAX_ARRAY}
     * @return a private (copy-on-write) mapping of exactly those bytes, or null where a copy is needed
     */
    ByteBuffer mapInPlace(String key, TensorInfo info, int byteLength) {
        return null;
    }

    /** Releases the file handles; called once by {@link #close()}. */
    abstract void closeFile();

    @Override
    public final NDArray get(String key, NDManager manager) {
        TensorInfo info = info(key);
        int count = elementCount(key, info);
        Shape shape = new Shape(info.shape());
        DType dtype = info.dtype();
        if (dtype == DType.FLOAT32 && count > 0) {
            ByteBuffer mapped = mapped(key, info, count);
            if (mapped != null) {
                return FileMappings.wrap(mapped, shape, DataType.FLOAT32, manager); // zero-copy
            }
        }
        if ((dtype == DType.FLOAT16 || dtype == DType.BFLOAT16 && LibtorchOps.available()) && count > 0) {
            ByteBuffer mapped = mapped(key, info, count);
            if (mapped != null) {
                // widened exactly inside libtorch, so that a 16-bit shard never passes through Java arrays
                return converted(mapped, key, info, count, manager, bits -> (dtype == DType.BFLOAT16
                        ? LibtorchOps.viewAsBfloat16(bits) : bits).toType(DataType.FLOAT32, false));
            }
        }
        ByteBuffer bytes = read(key, info, count);
        if (dtype.isFloating()) {
            return manager.create(ElementDecoder.toFloats(bytes, dtype, count), shape);
        }
        if (dtype == DType.BOOL) {
            return manager.create(ElementDecoder.toBooleans(bytes, count), shape);
        }
        return manager.create(ElementDecoder.toLongs(bytes, dtype, count), shape);
    }

    @Override
    public final NDArray get(String key, NDManager manager, ComputeType type) {
        TensorInfo info = info(key);
        if (type != ComputeType.BFLOAT16 || info.numel() == 0) {
            return StateDicts.toComputeType(get(key, manager), info, type);
        }
        int count = elementCount(key, info);
        Shape shape = new Shape(info.shape());
        if (info.dtype() == DType.BFLOAT16) {
            // the stored bytes are bfloat16 already: create them as 16-bit floats, then view them as bfloat16
            ByteBuffer mapped = mapped(key, info, count);
            NDArray bits = mapped != null ? FileMappings.wrap(mapped, shape, DataType.FLOAT16, manager)
                    : copiedSixteenBits(key, info, count, manager);
            return LibtorchOps.viewAsBfloat16(bits); // the bits own the memory
        }
        if (info.dtype() == DType.FLOAT16) {
            // 16 to 16 bits inside libtorch, never widened to float32 (a shard converts at its own size)
            return converted(mapped(key, info, count), key, info, count, manager, LibtorchOps::toBfloat16);
        }
        return StateDicts.toComputeType(get(key, manager), info, type);
    }

    /**
     * A 16-bit tensor converted inside libtorch from its stored bits: over the mapped file where the format allows
     * it (whose pages are then dropped from this process's resident memory: they are read once), else over a copy
     * in a direct buffer. Only the converted array outlives the call.
     *
     * @param mappedOrNull {@link #mapped}'s result for this tensor
     * @param conversion from the bits as a float16-typed array to the result (may view them as bfloat16)
     */
    private NDArray converted(ByteBuffer mappedOrNull, String key, TensorInfo info, int count, NDManager manager,
            UnaryOperator<NDArray> conversion) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray bits = mappedOrNull != null
                    ? FileMappings.wrap(mappedOrNull, new Shape(info.shape()), DataType.FLOAT16, scope)
                    : copiedSixteenBits(key, info, count, scope);
            NDArray converted = conversion.apply(bits);
            converted.attach(manager);
            return converted;
        } finally {
            if (mappedOrNull != null) {
                PrivateFileMapping.dropPages(mappedOrNull);
            }
        }
    }

    /**
     * @return a private mapping of the tensor's bytes where the format stores them in place (and the platform maps
     *     files), else null
     */
    private ByteBuffer mapped(String key, TensorInfo info, int count) {
        ensureOpen();
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
                ? mapInPlace(key, info, count * info.dtype().byteSize())
                : null;
    }

    /** A 16-bit tensor's stored bytes copied into a direct buffer, as a float16-typed array. */
    private NDArray copiedSixteenBits(String key, TensorInfo info, int count, NDManager manager) {
        ByteBuffer bytes = read(key, info, count);
        ByteBuffer direct = ByteBuffer.allocateDirect(2 * count).order(ByteOrder.nativeOrder());
        direct.asShortBuffer().put(bytes.slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer());
        return FileMappings.keep(direct, new Shape(info.shape()), DataType.FLOAT16, manager);
    }

    @Override
    public final float[] getFloats(String key) {
        TensorInfo info = info(key);
        if (!info.dtype().isFloating()) {
            throw problem(key, "is " + info.dtype() + ", not a floating tensor");
        }
        int count = elementCount(key, info);
        return ElementDecoder.toFloats(read(key, info, count), info.dtype(), count);
    }

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            closeFile();
        }
    }

    /** @throws CheckpointException if {@link #close()} was called */
    final void ensureOpen() {
        if (closed) {
            throw new CheckpointException(file + ": the state dict is closed");
        }
    }

    /**
     * @param key the tensor involved
     * @param what what is wrong with it
     * @return an exception naming the file and the key
     */
    final CheckpointException problem(String key, String what) {
        return new CheckpointException(file + ": tensor '" + key + "' " + what);
    }

    /**
     * @param key the tensor involved
     * @param what what is wrong with it
     * @param cause the underlying failure
     * @return an exception naming the file and the key
     */
    final CheckpointException problem(String key, String what, Throwable cause) {
        return new CheckpointException(file + ": tensor '" + key + "' " + what, cause);
    }

    /** @return a "no such key" exception naming the file */
    final CheckpointException missing(String key) {
        return new CheckpointException(file + ": no tensor named '" + key + "'");
    }

    private ByteBuffer read(String key, TensorInfo info, int count) {
        ensureOpen();
        int byteLength = count * info.dtype().byteSize();
        ByteBuffer bytes = readBytes(key, info, byteLength);
        if (bytes.remaining() != byteLength) {
            throw problem(key, "yielded " + bytes.remaining() + " bytes, expected " + byteLength);
        }
        return bytes;
    }

    private int elementCount(String key, TensorInfo info) {
        long numel = info.numel();
        if (numel > MAX_ARRAY / info.dtype().byteSize()) {
            throw problem(key, "has " + numel + " elements of " + info.dtype()
                    + ", too many to read into one Java array");
        }
        return (int) numel;
    }
}
