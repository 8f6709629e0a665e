package dev.seedj.llm.text;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the protocol-buffers wire format (varints, fixed 32/64-bit values, length-delimited fields), enough to
 * parse a sentencepiece {@code ModelProto} without generated code. Every read is bounds-checked: truncated or
 * malformed input raises {@link IllegalArgumentException} naming the message and the byte offset.
 *
 * <p>Not thread-safe: a reader holds a position.
 */
final class ProtobufReader {
    /** Wire type of varints (int32, bool, enum). */
    static final int VARINT = 0;
    /** Wire type of fixed 64-bit values. */
    static final int FIXED64 = 1;
    /** Wire type of strings, bytes and nested messages. */
    static final int LENGTH_DELIMITED = 2;
    /** Wire type of fixed 32-bit values (float). */
    static final int FIXED32 = 5;

    private final byte[] data;
    private final int end;
    private final String message;
    private int pos;

    /**
     * @param data the serialized message
     * @param message the message's name for error messages
     */
    ProtobufReader(byte[] data, String message) {
        this(data, 0, data.length, message);
    }

    private ProtobufReader(byte[] data, int start, int end, String message) {
        this.data = data;
        this.pos = start;
        this.end = end;
        this.message = message;
    }

    /** @return true while fields remain */
    boolean hasMore() {
        return pos < end;
    }

    /**
     * @return the next field's tag: field number {@code tag >>> 3}, wire type {@code tag & 7}
     * @throws IllegalArgumentException for field number 0 or a group wire type
     */
    int readTag() {
        int at = pos;
        long tag = readVarint();
        int wireType = (int) (tag & 7);
        if (tag >>> 3 == 0 || tag >>> 3 > 0x1FFFFFFF) {
            throw error(at, "invalid field number " + (tag >>> 3));
        }
        if (wireType != VARINT && wireType != FIXED64 && wireType != LENGTH_DELIMITED && wireType != FIXED32) {
            throw error(at, "unsupported wire type " + wireType + " of field " + (tag >>> 3));
        }
        return (int) tag;
    }

    /** @return a varint (up to 10 bytes; negative int32 values take all 10) */
    long readVarint() {
        int at = pos;
        long value = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= end) {
                throw error(at, "truncated varint");
            }
            byte b = data[pos++];
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw error(at, "varint longer than 10 bytes");
    }

    /** @return a little-endian 32-bit value */
    int readFixed32() {
        require(4, "fixed32");
        int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8 | (data[pos + 2] & 0xFF) << 16 | (data[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    /** @return the bytes of a length-delimited field */
    byte[] readBytes() {
        int length = readLength();
        byte[] out = Arrays.copyOfRange(data, pos, pos + length);
        pos += length;
        return out;
    }

    /** @return a length-delimited field as strict UTF-8 text */
    String readString() {
        int at = pos;
        byte[] bytes = readBytes();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw error(at, "a string field is not valid UTF-8");
        }
    }

    /**
     * @param name the nested message's name for error messages
     * @return a reader over a nested message; this reader moves past it
     */
    ProtobufReader readMessage(String name) {
        int length = readLength();
        ProtobufReader nested = new ProtobufReader(data, pos, pos + length, message + "." + name);
        pos += length;
        return nested;
    }

    /**
     * Skips a field of an unneeded number.
     *
     * @param tag the field's tag
     */
    void skip(int tag) {
        switch (tag & 7) {
            case VARINT -> readVarint();
            case FIXED64 -> {
                require(8, "fixed64");
                pos += 8;
            }
            case LENGTH_DELIMITED -> {
                int length = readLength(); // before reading pos: `pos += readLength()` would add to the old pos
                pos += length;
            }
            case FIXED32 -> readFixed32();
            default -> throw error(pos, "unsupported wire type " + (tag & 7));
        }
    }

    /**
     * @param tag a field's tag
     * @param wireType the wire type its field number must have
     * @param field the field's name for the error message
     * @throws IllegalArgumentException if the tag has another wire type
     */
    void expect(int tag, int wireType, String field) {
        if ((tag & 7) != wireType) {
            throw error(pos, "field " + field + " (" + (tag >>> 3) + ") has wire type " + (tag & 7) + ", expected "
                    + wireType);
        }
    }

    private int readLength() {
        int at = pos;
        long length = readVarint();
        if (length < 0 || length > end - pos) {
            throw error(at, "length " + length + " runs past the end (" + (end - pos) + " bytes left)");
        }
        return (int) length;
    }

    private void require(int bytes, String what) {
        if (end - pos < bytes) {
            throw error(pos, "truncated " + what);
        }
    }

    private IllegalArgumentException error(int at, String problem) {
        return new IllegalArgumentException("malformed " + message + " at byte " + at + ": " + problem);
    }
}
