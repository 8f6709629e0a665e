package dev.seedj.core.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated header of a safetensors file: an 8-byte little-endian header length, then that many bytes of
 * JSON mapping each tensor name to its dtype, shape and {@code [begin, end)} byte range in the data section
 * (plus an optional {@code __metadata__} string map). Every number is checked against the real file size
 * before anything is allocated from it, so a lying header cannot cause an OutOfMemoryError.
 *
 * <p>Immutable; thread-safe.
 */
final class SafetensorsHeader {
    /** The safetensors reference implementation refuses larger headers too. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";

    /**
     * One tensor's entry.
     *
     * @param info dtype and shape
     * @param begin first byte in the data section
     * @param end one past the last byte in the data section
     */
    record Entry(TensorInfo info, long begin, long end) {
    }

    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private final long dataStart;

    private SafetensorsHeader(Map<String, Entry> entries, Map<String, String> metadata, long dataStart) {
        this.entries = Collections.unmodifiableMap(entries);
        this.metadata = Collections.unmodifiableMap(metadata);
        this.dataStart = dataStart;
    }

    /** @return tensor name -> entry, in header order */
    Map<String, Entry> entries() {
        return entries;
    }

    /** @return the {@code __metadata__} map (empty if absent) */
    Map<String, String> metadata() {
        return metadata;
    }

    /** @return the file offset of the data section (8 + header length) */
    long dataStart() {
        return dataStart;
    }

    /**
     * Reads and validates the header.
     *
     * @param channel the open file
     * @param file the file name, for messages
     * @return the header
     * @throws CheckpointException naming the file (and key) on any inconsistency
     * @throws IOException if the file cannot be read
     */
    static SafetensorsHeader read(FileChannel channel, String file) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw new CheckpointException(file + ": " + fileSize
                    + " bytes is too short for a safetensors file (truncated?)");
        }
        long headerLength = readFully(channel, 0, 8, file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 0 || headerLength > fileSize - 8) {
            throw new CheckpointException(file + ": safetensors header length " + Long.toUnsignedString(headerLength)
                    + " runs past the end of the file (" + fileSize + " bytes; truncated?)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new CheckpointException(file + ": safetensors header length " + headerLength
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        ByteBuffer headerBytes = readFully(channel, 8, (int) headerLength, file);
        JsonObject root = parseJson(headerBytes, file);
        long dataStart = 8 + headerLength;
        return validate(root, fileSize - dataStart, dataStart, file);
    }

    private static SafetensorsHeader validate(JsonObject root, long dataSize, long dataStart, String file) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> member : root.entrySet()) {
            String key = member.getKey();
            if (key.equals(METADATA_KEY)) {
                readMetadata(member.getValue(), metadata, file);
            } else {
                entries.put(key, readEntry(key, member.getValue(), dataSize, file));
            }
        }
        checkOverlaps(entries, file);
        return new SafetensorsHeader(entries, metadata, dataStart);
    }

    private static Entry readEntry(String key, JsonElement value, long dataSize, String file) {
        String where = file + ": tensor '" + key + "' ";
        if (!value.isJsonObject()) {
            throw new CheckpointException(where + "has a header entry that is not a JSON object");
        }
        JsonObject object = value.getAsJsonObject();
        JsonElement dtypeName = object.get("dtype");
        if (dtypeName == null || !dtypeName.isJsonPrimitive() || !dtypeName.getAsJsonPrimitive().isString()) {
            throw new CheckpointException(where + "has no dtype string");
        }
        DType dtype = dtypeOf(dtypeName.getAsString(), where);
        long[] shape = naturals(object.get("shape"), -1, where + "shape");
        long[] offsets = naturals(object.get("data_offsets"), 2, where + "data_offsets");
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw new CheckpointException(where + "has data_offsets [" + begin + ", " + end + "] with begin > end");
        }
        if (end > dataSize) {
            throw new CheckpointException(where + "has data_offsets [" + begin + ", " + end
                    + "] out of range: the data section holds only " + dataSize + " bytes (truncated?)");
        }
        long expectedBytes;
        try {
            long numel = 1;
            for (long dim : shape) {
                numel = Math.multiplyExact(numel, dim);
            }
            expectedBytes = Math.multiplyExact(numel, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new CheckpointException(where + "has a shape whose size overflows 64 bits", e);
        }
        if (expectedBytes != end - begin) {
            throw new CheckpointException(where + "has shape " + Arrays.toString(shape) + " of "
                    + dtype.safetensorsName() + " (" + expectedBytes + " bytes) but data_offsets [" + begin + ", "
                    + end + "] span " + (end - begin) + " bytes");
        }
        return new Entry(new TensorInfo(dtype, shape), begin, end);
    }

    private static DType dtypeOf(String name, String where) {
        for (DType dtype : DType.values()) {
            if (dtype.safetensorsName().equals(name)) {
                return dtype;
            }
        }
        throw new CheckpointException(where + "has unknown or unsupported dtype '" + name + "'");
    }

    private static void checkOverlaps(Map<String, Entry> entries, String file) {
        List<Map.Entry<String, Entry>> sorted = new ArrayList<>(entries.entrySet());
        sorted.sort(Comparator.comparingLong((Map.Entry<String, Entry> e) -> e.getValue().begin())
                .thenComparingLong(e -> e.getValue().end()));
        Map.Entry<String, Entry> previous = null;
        for (Map.Entry<String, Entry> current : sorted) {
            if (previous != null && current.getValue().begin() < previous.getValue().end()) {
                throw new CheckpointException(file + ": tensor '" + current.getKey() + "' has data_offsets ["
                        + current.getValue().begin() + ", " + current.getValue().end() + "] overlapping tensor '"
                        + previous.getKey() + "' [" + previous.getValue().begin() + ", "
                        + previous.getValue().end() + "]");
            }
            if (previous == null || current.getValue().end() >= previous.getValue().end()) {
                previous = current;
            }
        }
    }

    private static void readMetadata(JsonElement value, Map<String, String> into, String file) {
        if (!value.isJsonObject()) {
            throw new CheckpointException(file + ": safetensors " + METADATA_KEY + " is not a JSON object");
        }
        for (Map.Entry<String, JsonElement> item : value.getAsJsonObject().entrySet()) {
            JsonElement v = item.getValue();
            boolean isString = v.isJsonPrimitive() && v.getAsJsonPrimitive().isString();
            into.put(item.getKey(), isString ? v.getAsString() : v.toString());
        }
    }

    /** Reads a JSON array of non-negative integers (of the given length, unless it is -1). */
    private static long[] naturals(JsonElement element, int length, String what) {
        if (element == null || !element.isJsonArray()) {
            throw new CheckpointException(what + " is missing or not a JSON array");
        }
        JsonArray array = element.getAsJsonArray();
        if (length >= 0 && array.size() != length) {
            throw new CheckpointException(what + " has " + array.size() + " entries, expected " + length);
        }
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement item = array.get(i);
            String text = item.isJsonPrimitive() && ((JsonPrimitive) item).isNumber() ? item.getAsString() : "";
            if (!text.matches("[0-9]{1,18}")) {
                throw new CheckpointException(what + " entry " + item + " is not a non-negative integer below 1e18");
            }
            out[i] = Long.parseLong(text);
        }
        return out;
    }

    private static JsonObject parseJson(ByteBuffer bytes, String file) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointException(file + ": safetensors header is not valid UTF-8", e);
        }
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            JsonElement root = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new CheckpointException(file + ": safetensors header has data after the JSON object");
            }
            if (!root.isJsonObject()) {
                throw new CheckpointException(file + ": safetensors header is not a JSON object");
            }
            return root.getAsJsonObject();
        } catch (JsonParseException | IOException | IllegalStateException e) {
            throw new CheckpointException(file + ": safetensors header is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length, String file)
            throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                throw new CheckpointException(file + ": unexpected end of file at byte " + (position
                        + buffer.position()));
            }
        }
        return buffer.flip();
    }
}
