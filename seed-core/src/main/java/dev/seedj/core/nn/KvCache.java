package dev.seedj.core.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.weights.ComputeType;
import dev.seedj.core.weights.LibtorchOps;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The keys and values of every attention layer for the tokens seen so far, so that incremental decoding
 * projects only the new tokens. Each layer keeps a key and a value buffer [B, H, capacity, D] owned by the cache's own
 * manager; appending writes the new time steps into the buffer in place and hands out a view of the filled part. When
 * a buffer is full it is replaced by one of twice the capacity (one copy), so appending is amortised constant work
 * rather than a copy of the whole cache per step, and a long generation loop keeps one buffer and one view per
 * layer and kind.
 *
 * <p>Not thread-safe: one cache belongs to one generation.
 */
public final class KvCache implements AutoCloseable {
    /** The smallest buffer along time: a prompt's cache grows by doubling from at least this many steps. */
    private static final long MIN_CAPACITY = 16;

    private final NDManager manager;
    private final Layer[] keys;
    private final Layer[] values;

    /**
     * @param parent the manager under which the cache opens its own sub-manager
     * @param numLayers number of attention layers
     */
    public KvCache(NDManager parent, int numLayers) {
        this.manager = parent.newSubManager();
        this.keys = new Layer[numLayers];
        this.values = new Layer[numLayers];
    }

    /**
     * Appends new keys and values of one layer along the time axis.
     *
     * @param layer layer index
     * @param newKeys [B, H, Tnew, D]
     * @param newValues [B, H, Tnew, D]
     * @return {@code {keys, values}}, each [B, H, Tpast + Tnew, D], owned by the cache and valid until the next
     *     append to this layer
     * @throws IllegalArgumentException if the new arrays do not match the cached ones in batch, heads or width
     */
    public NDArray[] append(int layer, NDArray newKeys, NDArray newValues) {
        if (keys[layer] == null) {
            keys[layer] = new Layer(newKeys, manager);
            values[layer] = new Layer(newValues, manager);
        } else {
            keys[layer].append(newKeys);
            values[layer].append(newValues);
        }
        return new NDArray[] {keys[layer].filled(), values[layer].filled()};
    }

    /**
     * The cached keys and values of one layer of a one-row batch, as little-endian float32 buffers over the cache's own
     * memory, laid out [H, capacity, D] (position {@code t} of head {@code h} starts at float {@code (h * capacity + t)
     * * D}).
     *
     * @param keys the keys' memory
     * @param values the values' memory
     * @param heads H, the key/value heads
     * @param capacity the positions each head has room for
     * @param length the positions filled
     * @param width D, the width of a head
     */
    public record Rows(ByteBuffer keys, ByteBuffer values, int heads, int capacity, int length, int width) {}

    /**
     * @return whether {@link #appendRow} applies: every layer holds one float32 batch row on the CPU (a prompt of one
     *     sequence, decoded greedily or by sampling, once the prompt has been appended)
     */
    public boolean appendsRows() {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] == null || !keys[i].holdsOneFloat32Row() || !values[i].holdsOneFloat32Row()) {
                return false;
            }
        }
        return true;
    }

    /**
     * @return whether every layer holds one batch row on the CPU, in any type (a prompt of one sequence once appended):
     *     {@link #appendsRows()} holds after {@link #storeAs storeAs(ComputeType.FLOAT32)}
     */
    public boolean holdsOneRow() {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] == null || !keys[i].holdsOneRowOnCpu()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Converts every cached key and value to {@code type}, keeping the positions and the capacity; layers already of
     * that type, and layers not yet appended to, stay as they are. A bfloat16 model whose decoding steps run in Java
     * with float32 rows ({@link #appendRow}) widens its cache once, and narrows it back before another step of its
     * libtorch forward pass.
     *
     * @param type the type to hold
     */
    public void storeAs(ComputeType type) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                keys[i].storeAs(type);
                values[i].storeAs(type);
            }
        }
    }

    /**
     * Appends one position's key and value to a layer of a one-row batch (a decoding step computed in Java), writing
     * them into the buffers' memory in place; a full buffer grows as in {@link #append}.
     *
     * @param layer layer index
     * @param key [H * D], the heads one after another
     * @param value [H * D]
     * @return the layer's keys and values after the append, valid until the next append to this layer
     * @throws IllegalStateException if the layer does not hold one float32 batch row on the CPU (see
     *     {@link #appendsRows()})
     * @throws IllegalArgumentException if the rows do not have the cache's H * D values
     */
    public Rows appendRow(int layer, float[] key, float[] value) {
        if (keys[layer] == null || !keys[layer].holdsOneFloat32Row() || !values[layer].holdsOneFloat32Row()) {
            throw new IllegalStateException("appendRow needs a cache of one float32 batch row on the CPU; layer " + layer
                    + " holds " + (keys[layer] == null ? "nothing yet" : keys[layer].buffer.getDataType() + " "
                    + keys[layer].buffer.getShape()));
        }
        ByteBuffer k = keys[layer].appendRow(key);
        ByteBuffer v = values[layer].appendRow(value);
        Shape shape = keys[layer].buffer.getShape(); // [1, H, capacity, D]
        return new Rows(k, v, Math.toIntExact(shape.get(1)), Math.toIntExact(shape.get(2)),
                Math.toIntExact(keys[layer].length), Math.toIntExact(shape.get(3)));
    }

    /**
     * Keeps only the given batch rows, in the given order (beam search reorders hypotheses).
     *
     * @param batchIndices int64 [B'] rows to keep
     */
    public void reorder(NDArray batchIndices) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                keys[i].reorder(batchIndices);
                values[i].reorder(batchIndices);
            }
        }
    }

    /** @return number of cached time steps (0 before the first append) */
    public long length() {
        return keys[0] == null ? 0 : keys[0].length;
    }

    /**
     * @param layer layer index
     * @return cached keys [B, H, T, D] (a view of the buffer, valid until the next append), or null before the first
     *     append
     */
    public NDArray keys(int layer) {
        return keys[layer] == null ? null : keys[layer].filled();
    }

    /**
     * @param layer layer index
     * @return cached values [B, H, T, D] (a view of the buffer, valid until the next append), or null before the first
     *     append
     */
    public NDArray values(int layer) {
        return values[layer] == null ? null : values[layer].filled();
    }

    @Override
    public void close() {
        manager.close();
    }

    /**
     * One layer's keys or values: a buffer [B, H, capacity, D] and the view of its first {@code length} steps, made
     * when first asked for after an append.
     */
    private static final class Layer {
        private final NDManager manager;
        private NDArray buffer;
        private NDArray filled; // null until asked for after the last change
        private long length;

        /** Starts with {@code first} [B, H, T, D] in a buffer with room for more steps. */
        Layer(NDArray first, NDManager manager) {
            this.manager = manager;
            long t = first.getShape().get(2);
            // padding keeps the array's own type (DJL's zeros(shape, type) aborts for bfloat16)
            this.buffer = own(first.pad(padAlongTime(capacityFor(t) - t), 0));
            this.length = t;
        }

        NDArray filled() {
            if (filled == null) {
                filled = own(buffer.get(":, :, :{}", length));
            }
            return filled;
        }

        void append(NDArray next) {
            Shape have = buffer.getShape();
            Shape add = next.getShape();
            if (add.dimension() != 4 || add.get(0) != have.get(0) || add.get(1) != have.get(1)
                    || add.get(3) != have.get(3)) {
                throw new IllegalArgumentException("cannot append " + add + " to a cache of " + filled().getShape());
            }
            long t = length + add.get(2);
            ensureCapacity(t);
            buffer.set(new NDIndex(":, :, {}:{}", length, t), next); // in place
            setLength(t);
        }

        boolean holdsOneFloat32Row() {
            return holdsOneRowOnCpu() && buffer.getDataType() == DataType.FLOAT32;
        }

        boolean holdsOneRowOnCpu() {
            return buffer.getShape().get(0) == 1 && Device.Type.CPU.equals(buffer.getDevice().getDeviceType());
        }

        /** Converts the buffer to {@code type}, if it is not of that type. */
        void storeAs(ComputeType type) {
            boolean toBfloat16 = type == ComputeType.BFLOAT16;
            if (toBfloat16 ? LibtorchOps.isBfloat16(buffer) : buffer.getDataType() == DataType.FLOAT32) {
                return;
            }
            // DJL's toType aborts the JVM for bfloat16: libtorch's own conversion narrows
            NDArray converted = toBfloat16 ? LibtorchOps.toBfloat16(buffer) : buffer.toType(DataType.FLOAT32, false);
            own(converted);
            buffer.close();
            buffer = converted;
            setLength(length);
        }

        /**
         * Writes {@code row} [H * D] at position {@code length} of a one-row buffer; returns the buffer's memory,
         * little-endian.
         */
        ByteBuffer appendRow(float[] row) {
            int heads = Math.toIntExact(buffer.getShape().get(1));
            int width = Math.toIntExact(buffer.getShape().get(3));
            if (row.length != heads * width) {
                throw new IllegalArgumentException("a row of " + row.length + " values for a cache of " + heads
                        + " heads of " + width);
            }
            ensureCapacity(length + 1);
            ByteBuffer bytes = buffer.toByteBuffer(true);
            if (!bytes.isDirect()) {
                throw new IllegalStateException("libtorch gave a copy of the cache, not its memory");
            }
            bytes.order(ByteOrder.LITTLE_ENDIAN);
            FloatBuffer memory = bytes.asFloatBuffer(); // [H, capacity, D]
            int capacity = Math.toIntExact(buffer.getShape().get(2));
            for (int h = 0; h < heads; h++) {
                memory.put((int) ((h * capacity + length) * width), row, h * width, width);
            }
            setLength(length + 1);
            return bytes;
        }

        /** Moves the filled steps into a buffer of at least twice the capacity when {@code steps} do not fit. */
        private void ensureCapacity(long steps) {
            if (steps > buffer.getShape().get(2)) {
                NDArray larger = own(filled().pad(padAlongTime(capacityFor(steps) - length), 0));
                buffer.close();
                buffer = larger;
                setLength(length);
            }
        }

        private void setLength(long steps) {
            length = steps;
            if (filled != null) {
                filled.close();
                filled = null;
            }
        }

        void reorder(NDArray batchIndices) {
            NDArray reordered = own(buffer.get(batchIndices));
            buffer.close();
            buffer = reordered;
            setLength(length);
        }

        private NDArray own(NDArray array) {
            array.attach(manager);
            return array;
        }

        /** @return the smallest power of two above {@code steps} (at most twice it), at least {@link #MIN_CAPACITY} */
        private static long capacityFor(long steps) {
            return Math.max(MIN_CAPACITY, Long.highestOneBit(steps) << 1);
        }

        /** @return constant-pad widths for [B, H, T, D]: {@code extra} steps after the last along T (libtorch order) */
        private static Shape padAlongTime(long extra) {
            return new Shape(0, 0, 0, extra);
        }
    }
}
