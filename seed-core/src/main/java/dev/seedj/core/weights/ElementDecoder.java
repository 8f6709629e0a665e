package dev.seedj.core.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Turns the little-endian bytes of a contiguous tensor into Java arrays: floating types widened to float32
 * exactly (float64 rounded to nearest), integer types to int64, bool to boolean.
 *
 * <p>Stateless; thread-safe.
 */
final class ElementDecoder {
    private ElementDecoder() {
    }

    /**
     * @param bytes exactly {@code count * dtype.byteSize()} bytes from the buffer's position
     * @param dtype a floating dtype
     * @param count number of elements
     * @return the elements as float32
     */
    static float[] toFloats(ByteBuffer bytes, DType dtype, int count) {
        ByteBuffer in = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[count];
        switch (dtype) {
            case FLOAT32 -> in.asFloatBuffer().get(out);
            case FLOAT16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float16.toFloat(in.getShort(2 * i));
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float16.bfloat16ToFloat(in.getShort(2 * i));
                }
            }
            case FLOAT64 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = (float) in.getDouble(8 * i);
                }
            }
            default -> throw new IllegalArgumentException(dtype + " is not a floating dtype");
        }
        return out;
    }

    /**
     * @param bytes exactly {@code count * dtype.byteSize()} bytes from the buffer's position
     * @param dtype an integer dtype
     * @param count number of elements
     * @return the elements as int64 (uint8 read unsigned)
     */
    static long[] toLongs(ByteBuffer bytes, DType dtype, int count) {
        ByteBuffer in = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[count];
        switch (dtype) {
            case INT64 -> in.asLongBuffer().get(out);
            case INT32 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = in.getInt(4 * i);
                }
            }
            case INT16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = in.getShort(2 * i);
                }
            }
            case INT8 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = in.get(i);
                }
            }
            case UINT8 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = in.get(i) & 0xff;
                }
            }
            default -> throw new IllegalArgumentException(dtype + " is not an integer dtype");
        }
        return out;
    }

    /**
     * @param bytes exactly {@code count} bytes from the buffer's position
     * @param count number of elements
     * @return true where the byte is non-zero
     */
    static boolean[] toBooleans(ByteBuffer bytes, int count) {
        boolean[] out = new boolean[count];
        for (int i = 0; i < count; i++) {
            out[i] = bytes.get(bytes.position() + i) != 0;
        }
        return out;
    }
}
