package dev.seedj.core.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Writes NDArrays to a safetensors file laid out as Python's {@code safetensors} does: tensors sorted by
 * descending dtype alignment then by name, the header listing them in data order after an optional
 * {@code __metadata__} string map, space-padded to a multiple of 8 bytes. Tensors keep their dtype
 * (float32, float64, float16, bfloat16, int64, int32, int8, uint8, bool), or with {@link #withFloat16} /
 * {@link #withBfloat16} every floating tensor is rounded to float16 / bfloat16 in Java (ties to even, like
 * {@code tensor.half()} / {@code tensor.bfloat16()}).
 * The file is written under a temporary name and moved into place, so a crash never leaves half a file.
 *
 * <p>Immutable and thread-safe; the arrays passed to {@link #write} must not be used concurrently elsewhere.
 */
public final class SafetensorsWriter {
    /** Descending alignment, then the safetensors dtype order (its writer sorts by that, reversed). */
    private static final List<DType> WRITE_ORDER = List.of(DType.INT64, DType.FLOAT64, DType.FLOAT32, DType.INT32,
            DType.BFLOAT16, DType.FLOAT16, DType.INT16, DType.INT8, DType.UINT8, DType.BOOL);

    private final Map<String, String> metadata;
    /** The type every floating tensor is rounded to, or null to keep each tensor's own. */
    private final DType floatStorage;

    /** A writer without metadata that keeps every tensor's dtype. */
    public SafetensorsWriter() {
        this(Map.of(), null);
    }

    private SafetensorsWriter(Map<String, String> metadata, DType floatStorage) {
        this.metadata = metadata;
        this.floatStorage = floatStorage;
    }

    /**
     * @param metadata the {@code __metadata__} string map to write, in key order (empty: none)
     * @return a writer with that metadata
     */
    public SafetensorsWriter withMetadata(Map<String, String> metadata) {
        return new SafetensorsWriter(Collections.unmodifiableMap(new TreeMap<>(metadata)), floatStorage);
    }

    /**
     * @param enabled true to store every floating tensor as float16
     * @return a writer with that setting
     */
    public SafetensorsWriter withFloat16(boolean enabled) {
        return new SafetensorsWriter(metadata, enabled ? DType.FLOAT16 : null);
    }

    /**
     * @param enabled true to store every floating tensor as bfloat16 (as a checkpoint saved in bfloat16 is)
     * @return a writer with that setting
     */
    public SafetensorsWriter withBfloat16(boolean enabled) {
        return new SafetensorsWriter(metadata, enabled ? DType.BFLOAT16 : null);
    }

    /**
     * Writes the tensors (replacing {@code file} if it exists).
     *
     * @param file the target {@code .safetensors} file
     * @param tensors name -> array; names must be non-empty and not {@code __metadata__}
     * @throws IllegalArgumentException for a bad name or an unsupported array dtype
     * @throws CheckpointException if the file cannot be written
     */
    public void write(Path file, Map<String, NDArray> tensors) {
        List<Item> items = new ArrayList<>();
        for (Map.Entry<String, NDArray> entry : tensors.entrySet()) {
            String name = Objects.requireNonNull(entry.getKey(), "tensor name");
            if (name.isEmpty() || name.equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("invalid safetensors tensor name '" + name + "'");
            }
            items.add(encode(name, Objects.requireNonNull(entry.getValue(), name)));
        }
        items.sort(Comparator.comparingInt((Item item) -> WRITE_ORDER.indexOf(item.dtype))
                .thenComparing((a, b) -> Arrays.compareUnsigned(a.utf8Name, b.utf8Name)));
        byte[] header = header(items);
        Path absolute = file.toAbsolutePath();
        Path temp = absolute.resolveSibling(absolute.getFileName() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
                writeFully(channel, length.flip());
                writeFully(channel, ByteBuffer.wrap(header));
                for (Item item : items) {
                    writeFully(channel, ByteBuffer.wrap(item.bytes));
                }
            }
            try {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new CheckpointException(file + ": cannot write safetensors file: " + e, e);
        }
    }

    /** One tensor, encoded. */
    private record Item(String name, byte[] utf8Name, DType dtype, long[] shape, byte[] bytes) {
    }

    private Item encode(String name, NDArray array) {
        DataType type = array.getDataType();
        long[] shape = array.getShape().getShape();
        if (floatStorage != null && type.isFloating()) {
            float[] values = floats(name, array);
            ByteBuffer out = littleEndian(values.length * 2L);
            for (float v : values) {
                out.putShort(floatStorage == DType.FLOAT16 ? Float16.fromFloat(v) : Float16.bfloat16FromFloat(v));
            }
            return item(name, floatStorage, shape, out);
        }
        switch (type) {
            case FLOAT32, FLOAT64, FLOAT16, BFLOAT16, INT64, INT32, INT8, UINT8 -> {
                DType dtype = DType.valueOf(type.name()); // these DJL types share DType's names
                return item(name, dtype, shape, littleEndianCopy(array, dtype));
            }
            case BOOLEAN -> {
                boolean[] values = array.toBooleanArray();
                ByteBuffer out = littleEndian(values.length);
                for (boolean v : values) {
                    out.put((byte) (v ? 1 : 0));
                }
                return item(name, DType.BOOL, shape, out);
            }
            default -> throw new IllegalArgumentException("tensor '" + name + "': dtype " + type
                    + " cannot be written to safetensors");
        }
    }

    /** The elements of a floating array as float32, converting float16/bfloat16 in Java. */
    private static float[] floats(String name, NDArray array) {
        switch (array.getDataType()) {
            case FLOAT32 -> {
                return array.toFloatArray();
            }
            case FLOAT64 -> {
                double[] values = array.toDoubleArray();
                float[] out = new float[values.length];
                for (int i = 0; i < values.length; i++) {
                    out[i] = (float) values[i];
                }
                return out;
            }
            case FLOAT16, BFLOAT16 -> {
                DType dtype = array.getDataType() == DataType.FLOAT16 ? DType.FLOAT16 : DType.BFLOAT16;
                ByteBuffer le = littleEndianCopy(array, dtype);
                return ElementDecoder.toFloats(le, dtype, le.remaining() / 2);
            }
            default -> throw new IllegalArgumentException("tensor '" + name + "': dtype " + array.getDataType()
                    + " is not floating");
        }
    }

    /**
     * The array's elements as little-endian bytes (DJL hands them over in native order).
     *
     * @param array the tensor to copy
     * @param dtype the array's element type, for the element width
     * @return a heap buffer holding every element, positioned at 0
     */
    private static ByteBuffer littleEndianCopy(NDArray array, DType dtype) {
        ByteBuffer in = array.toByteBuffer().order(ByteOrder.nativeOrder());
        ByteBuffer out = littleEndian(in.remaining());
        switch (dtype.byteSize()) {
            case 2 -> out.asShortBuffer().put(in.asShortBuffer());
            case 4 -> out.asIntBuffer().put(in.asIntBuffer());
            case 8 -> out.asLongBuffer().put(in.asLongBuffer());
            default -> out.put(in).rewind();
        }
        return out;
    }

    private static ByteBuffer littleEndian(long size) {
        if (size > FileStateDict.MAX_ARRAY) {
            throw new IllegalArgumentException("tensor of " + size + " bytes is too large to write at once");
        }
        return ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** @param data a heap buffer this class allocated, filled completely */
    private static Item item(String name, DType dtype, long[] shape, ByteBuffer data) {
        return new Item(name, name.getBytes(StandardCharsets.UTF_8), dtype, shape, data.array());
    }

    private byte[] header(List<Item> items) {
        StringWriter text = new StringWriter();
        try (JsonWriter json = new JsonWriter(text)) {
            json.beginObject();
            if (!metadata.isEmpty()) {
                json.name(SafetensorsHeader.METADATA_KEY).beginObject();
                for (Map.Entry<String, String> entry : metadata.entrySet()) {
                    json.name(entry.getKey()).value(entry.getValue());
                }
                json.endObject();
            }
            long offset = 0;
            for (Item item : items) {
                json.name(item.name).beginObject();
                json.name("dtype").value(item.dtype.safetensorsName());
                json.name("shape").beginArray();
                for (long dim : item.shape) {
                    json.value(dim);
                }
                json.endArray();
                json.name("data_offsets").beginArray().value(offset).value(offset + item.bytes.length).endArray();
                json.endObject();
                offset += item.bytes.length;
            }
            json.endObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON to a string failed", e);
        }
        byte[] raw = text.toString().getBytes(StandardCharsets.UTF_8);
        int padding = (8 - raw.length % 8) % 8;
        byte[] padded = Arrays.copyOf(raw, raw.length + padding);
        Arrays.fill(padded, raw.length, padded.length, (byte) ' ');
        return padded;
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
