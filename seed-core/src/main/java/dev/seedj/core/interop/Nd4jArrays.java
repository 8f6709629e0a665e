package dev.seedj.core.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Converts between DJL {@link NDArray}s and ND4J {@link INDArray}s, for research code that lives in the
 * DL4J world. Each conversion is one bulk copy of the bytes (native memory to native memory through
 * {@link ByteBuffer}s, never element by element), so the result shares no memory with its source and
 * either side may be freed independently.
 *
 * <p>Supported element types: float32, float64, int32 and int64 (same type on both sides); any shape,
 * including scalars and empty arrays. Results are C-ordered (row-major); ND4J views, offsets and
 * Fortran-ordered arrays are copied in C order first. At most {@code Integer.MAX_VALUE} bytes per array.
 *
 * <p>ND4J is an optional dependency of SEED-J: this class needs {@code org.nd4j:nd4j-native} (with the
 * platform classifier) on the class path; nothing else in SEED-J loads ND4J.
 *
 * <p>Stateless; thread-safe (the arrays themselves must not be modified during a conversion).
 */
public final class Nd4jArrays {
    private Nd4jArrays() {
    }

    /**
     * @param array a DJL array of a supported type
     * @return an ND4J array with the same shape, type and values, in C order
     * @throws IllegalArgumentException if the type is not supported or the array is too large
     */
    public static INDArray toNd4j(NDArray array) {
        Objects.requireNonNull(array, "array");
        DataType type = nd4jType(array.getDataType());
        long[] shape = array.getShape().getShape();
        long bytes = checkedBytes(array.size(), array.getDataType().getNumOfBytes());
        INDArray out = shape.length == 0 ? Nd4j.scalar(type, 0) : Nd4j.create(type, shape, 'c');
        if (bytes > 0) {
            ByteBuffer source = array.toByteBuffer(); // native order, C order
            ByteBuffer target = nativeBytes(out, bytes);
            target.put(source.duplicate().rewind().limit((int) bytes));
        }
        return out;
    }

    /**
     * @param array an ND4J array of a supported type (any ordering, view or not)
     * @param manager owns the returned array (and decides its device)
     * @return a DJL array with the same shape, type and values
     * @throws IllegalArgumentException if the type is not supported or the array is too large
     */
    public static NDArray toDjl(INDArray array, NDManager manager) {
        Objects.requireNonNull(array, "array");
        Objects.requireNonNull(manager, "manager");
        ai.djl.ndarray.types.DataType type = djlType(array.dataType());
        Shape shape = new Shape(array.shape());
        long bytes = checkedBytes(array.isEmpty() ? 0 : array.length(), type.getNumOfBytes());
        if (bytes == 0) {
            return manager.zeros(shape, type);
        }
        INDArray contiguous = isPlainC(array) ? array : array.dup('c');
        ByteBuffer copy = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
        copy.put(nativeBytes(contiguous, bytes)).rewind();
        return manager.create(copy, shape, type);
    }

    /**
     * @param type a DJL element type
     * @return the ND4J type
     * @throws IllegalArgumentException if it has no counterpart here
     */
    public static DataType nd4jType(ai.djl.ndarray.types.DataType type) {
        return switch (type) {
            case FLOAT32 -> DataType.FLOAT;
            case FLOAT64 -> DataType.DOUBLE;
            case INT32 -> DataType.INT;
            case INT64 -> DataType.LONG;
            default -> throw new IllegalArgumentException(
                    "DJL arrays of type " + type + " are not converted to ND4J (float32, float64, int32, int64 are)");
        };
    }

    /**
     * @param type an ND4J element type
     * @return the DJL type
     * @throws IllegalArgumentException if it has no counterpart here
     */
    public static ai.djl.ndarray.types.DataType djlType(DataType type) {
        return switch (type) {
            case FLOAT -> ai.djl.ndarray.types.DataType.FLOAT32;
            case DOUBLE -> ai.djl.ndarray.types.DataType.FLOAT64;
            case INT -> ai.djl.ndarray.types.DataType.INT32;
            case LONG -> ai.djl.ndarray.types.DataType.INT64;
            default -> throw new IllegalArgumentException(
                    "ND4J arrays of type " + type + " are not converted to DJL (FLOAT, DOUBLE, INT, LONG are)");
        };
    }

    /** True when the array's elements are its buffer's first {@code length} elements in C order. */
    private static boolean isPlainC(INDArray array) {
        return array.ordering() == 'c' && !array.isView() && array.offset() == 0
                && array.data().length() == array.length();
    }

    /** The array's native memory as bytes, positioned at its first element, {@code bytes} long. */
    private static ByteBuffer nativeBytes(INDArray array, long bytes) {
        ByteBuffer buffer = array.data().asNio().order(ByteOrder.nativeOrder());
        return buffer.duplicate().order(ByteOrder.nativeOrder()).rewind().limit((int) bytes);
    }

    private static long checkedBytes(long elements, int elementBytes) {
        long bytes = elements * elementBytes;
        if (elements < 0 || bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("array of " + elements + " elements (" + bytes
                    + " bytes) is larger than one conversion buffer (" + Integer.MAX_VALUE + " bytes)");
        }
        return bytes;
    }
}
