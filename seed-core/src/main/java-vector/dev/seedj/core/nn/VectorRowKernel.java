package dev.seedj.core.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link MatVec}'s row kernel on the JDK's Vector API: each row's dot product with {@code x} in the widest float
 * vectors the CPU has (16 lanes with AVX-512), one accumulator per row, the elements after the last whole vector step
 * in scalar code. bfloat16 and int8 rows are read as int vectors holding two or four values each, taken apart in
 * registers (a bfloat16 value is a float's upper half: one shift or mask; an int8 value is moved to the top byte, the
 * rest cleared, and converted), against {@code x} reordered once per product ({@link #prepare}). Reading them as
 * vectors of shorts or bytes was slower, an int8 row half as fast: each {@code ByteBuffer} load costs about the same
 * instructions whatever its width. Rows are read {@value #STREAMS} at a time, far apart (their independent
 * accumulators hide the fused multiply-add latency); a row left over is read alone with the same operations in the
 * same order, so that a row's result does not depend on how the rows were split between threads. Loaded by name from
 * {@link MatVec} only when the JVM has the {@code jdk.incubator.vector} module.
 *
 * <p>Stateless and thread-safe.
 */
final class VectorRowKernel implements MatVec.RowKernel {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
    private static final int LANES = F.length();
    /**
     * Rows read at once, {@code apart} rows from each other: four streams through memory rather than one keep more
     * reads in flight (the hardware prefetchers follow each), which read 35-45% more bytes per second on two cores in
     * a probe at 768 to 8192 columns (docs/benchmarks.md, sessions 16-17). Four consecutive rows gained nothing at 768
     * columns, where they are one stream.
     */
    private static final int STREAMS = 4;
    /** The top byte of an int lane, where {@link #int8Row} moves each int8 value. */
    private static final int TOP = 0xFF000000;
    /** 2^-24: undoes the move of an int8 value to the top of its lane. */
    private static final float TOP_BYTE = 0x1p-24f;

    /** Needs float vectors of at least 256 bits. */
    VectorRowKernel() {
        if (F.vectorBitSize() < 256) {
            throw new UnsupportedOperationException("float vectors of " + F.vectorBitSize() + " bits: too narrow");
        }
    }

    /**
     * For an int8 or bfloat16 weight, {@code x} with each block of {@code n * lanes} elements ({@code n} values per
     * int: 4 or 2) reordered so that part {@code k} of the block holds the elements {@code n j + k} ({@code j <
     * lanes}): the order in which {@link #int8Row} and {@link #bfloat16Row} take an int vector's values apart. The
     * elements after the last whole block stay in place.
     */
    @Override
    public float[] prepare(MatVec.Storage storage, float[] x) {
        int perInt = Integer.BYTES / storage.bytes;
        if (perInt == 1) {
            return x;
        }
        float[] ordered = x.clone();
        for (int block = 0; block < bound(storage, x.length); block += perInt * LANES) {
            for (int k = 0; k < perInt; k++) {
                for (int j = 0; j < LANES; j++) {
                    ordered[block + k * LANES + j] = x[block + perInt * j + k];
                }
            }
        }
        return ordered;
    }

    @Override
    public void rows(MatVec.Storage storage, ByteBuffer w, float[] scales, float[] x, float[] y, int from, int to) {
        // one loop over the rows per storage, each a small method of its own: the storage is dispatched once per call
        switch (storage) {
            case FLOAT32 -> float32Rows(w, x, y, from, to);
            case BFLOAT16 -> bfloat16Rows(w, x, y, from, to);
            case INT8 -> int8Rows(w, scales, x, y, from, to);
        }
    }

    private static void float32Rows(ByteBuffer w, float[] x, float[] y, int from, int to) {
        int bound = bound(MatVec.Storage.FLOAT32, x.length);
        int apart = (to - from) / STREAMS;
        for (int r = from; r < from + apart; r++) {
            float32Rows4(w, x, y, r, apart, bound);
        }
        for (int r = from + STREAMS * apart; r < to; r++) {
            int base = rowBase(MatVec.Storage.FLOAT32, r, x.length);
            y[r] = rowSum(MatVec.Storage.FLOAT32, float32Row(w, base, x, bound), w, base, x, bound);
        }
    }

    private static void bfloat16Rows(ByteBuffer w, float[] x, float[] y, int from, int to) {
        int bound = bound(MatVec.Storage.BFLOAT16, x.length);
        int apart = (to - from) / STREAMS;
        for (int r = from; r < from + apart; r++) {
            bfloat16Rows4(w, x, y, r, apart, bound);
        }
        for (int r = from + STREAMS * apart; r < to; r++) {
            int base = rowBase(MatVec.Storage.BFLOAT16, r, x.length);
            y[r] = rowSum(MatVec.Storage.BFLOAT16, bfloat16Row(w, base, x, bound), w, base, x, bound);
        }
    }

    private static void int8Rows(ByteBuffer w, float[] scales, float[] x, float[] y, int from, int to) {
        int bound = bound(MatVec.Storage.INT8, x.length);
        int apart = (to - from) / STREAMS;
        for (int r = from; r < from + apart; r++) {
            int8Rows4(w, scales, x, y, r, apart, bound);
        }
        for (int r = from + STREAMS * apart; r < to; r++) {
            int base = rowBase(MatVec.Storage.INT8, r, x.length);
            y[r] = int8Sum(int8Row(w, base, x, bound), scales[r], w, base, x, bound);
        }
    }

    @Override
    public void combine(ByteBuffer w, float[] c, float[] y) {
        int n = y.length;
        int bound = n - n % LANES;
        for (int r = 0; r < c.length; r++) {
            FloatVector coefficient = FloatVector.broadcast(F, c[r]);
            int base = Math.toIntExact((long) r * n * Float.BYTES);
            for (int i = 0; i < bound; i += LANES) {
                FloatVector.fromByteBuffer(F, w, base + i * Float.BYTES, ByteOrder.LITTLE_ENDIAN)
                        .fma(coefficient, FloatVector.fromArray(F, y, i)).intoArray(y, i);
            }
            for (int i = bound; i < n; i++) {
                y[i] += c[r] * w.getFloat(base + i * Float.BYTES);
            }
        }
    }

    /** The elements of a row after its last whole vector step, times {@code x}, in scalar code. */
    private static float tail(MatVec.Storage storage, ByteBuffer w, int base, float[] x, int bound) {
        float dot = 0;
        for (int i = bound; i < x.length; i++) {
            dot += element(storage, w, base, i) * x[i];
        }
        return dot;
    }

    /**
     * Elements {@code [0, bound)} of a float32 row times {@code x}, as {@link #float32Rows4} sums each row.
     *
     * @return the row's accumulator ({@link #rowSum} makes the row's result of it)
     */
    private static FloatVector float32Row(ByteBuffer w, int base, float[] x, int bound) {
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < bound; i += LANES) {
            a = FloatVector.fromByteBuffer(F, w, base + i * Float.BYTES, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(F, x, i), a);
        }
        return a;
    }

    /**
     * {@code y[r] = W[r] x} for the four rows {@code r = first + k * apart}, {@code k < 4}, read side by side, each
     * row's elements in a single accumulator. {@link #bfloat16Rows4} and {@link #int8Rows4} repeat this frame around
     * their own loops on purpose: the four accumulators stay in registers only while no vector crosses a call.
     */
    private static void float32Rows4(ByteBuffer w, float[] x, float[] y, int first, int apart, int bound) {
        int b0 = rowBase(MatVec.Storage.FLOAT32, first, x.length);
        int b1 = rowBase(MatVec.Storage.FLOAT32, first + apart, x.length);
        int b2 = rowBase(MatVec.Storage.FLOAT32, first + 2 * apart, x.length);
        int b3 = rowBase(MatVec.Storage.FLOAT32, first + 3 * apart, x.length);
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        for (int i = 0; i < bound; i += LANES) {
            FloatVector xi = FloatVector.fromArray(F, x, i);
            int offset = i * Float.BYTES;
            a0 = FloatVector.fromByteBuffer(F, w, b0 + offset, ByteOrder.LITTLE_ENDIAN).fma(xi, a0);
            a1 = FloatVector.fromByteBuffer(F, w, b1 + offset, ByteOrder.LITTLE_ENDIAN).fma(xi, a1);
            a2 = FloatVector.fromByteBuffer(F, w, b2 + offset, ByteOrder.LITTLE_ENDIAN).fma(xi, a2);
            a3 = FloatVector.fromByteBuffer(F, w, b3 + offset, ByteOrder.LITTLE_ENDIAN).fma(xi, a3);
        }
        y[first] = rowSum(MatVec.Storage.FLOAT32, a0, w, b0, x, bound);
        y[first + apart] = rowSum(MatVec.Storage.FLOAT32, a1, w, b1, x, bound);
        y[first + 2 * apart] = rowSum(MatVec.Storage.FLOAT32, a2, w, b2, x, bound);
        y[first + 3 * apart] = rowSum(MatVec.Storage.FLOAT32, a3, w, b3, x, bound);
    }

    /** {@link #float32Rows4} for bfloat16 rows, {@code x} in {@link #prepare}'s order. */
    private static void bfloat16Rows4(ByteBuffer w, float[] x, float[] y, int first, int apart, int bound) {
        int b0 = rowBase(MatVec.Storage.BFLOAT16, first, x.length);
        int b1 = rowBase(MatVec.Storage.BFLOAT16, first + apart, x.length);
        int b2 = rowBase(MatVec.Storage.BFLOAT16, first + 2 * apart, x.length);
        int b3 = rowBase(MatVec.Storage.BFLOAT16, first + 3 * apart, x.length);
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        for (int i = 0; i < bound; i += 2 * LANES) {
            FloatVector low = FloatVector.fromArray(F, x, i); // meets the first value of each int lane
            FloatVector high = FloatVector.fromArray(F, x, i + LANES);
            int offset = i * Short.BYTES;
            IntVector p0 = IntVector.fromByteBuffer(I, w, b0 + offset, ByteOrder.LITTLE_ENDIAN);
            IntVector p1 = IntVector.fromByteBuffer(I, w, b1 + offset, ByteOrder.LITTLE_ENDIAN);
            IntVector p2 = IntVector.fromByteBuffer(I, w, b2 + offset, ByteOrder.LITTLE_ENDIAN);
            IntVector p3 = IntVector.fromByteBuffer(I, w, b3 + offset, ByteOrder.LITTLE_ENDIAN);
            a0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(low, a0);
            a1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(low, a1);
            a2 = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(low, a2);
            a3 = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(low, a3);
            a0 = p0.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats().fma(high, a0);
            a1 = p1.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats().fma(high, a1);
            a2 = p2.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats().fma(high, a2);
            a3 = p3.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats().fma(high, a3);
        }
        y[first] = rowSum(MatVec.Storage.BFLOAT16, a0, w, b0, x, bound);
        y[first + apart] = rowSum(MatVec.Storage.BFLOAT16, a1, w, b1, x, bound);
        y[first + 2 * apart] = rowSum(MatVec.Storage.BFLOAT16, a2, w, b2, x, bound);
        y[first + 3 * apart] = rowSum(MatVec.Storage.BFLOAT16, a3, w, b3, x, bound);
    }

    /** One float32 or bfloat16 row's result from its accumulator and its tail ({@link #int8Sum} for int8). */
    private static float rowSum(MatVec.Storage storage, FloatVector a, ByteBuffer w, int base, float[] x, int bound) {
        return a.reduceLanes(VectorOperators.ADD) + tail(storage, w, base, x, bound);
    }

    /** @return the byte offset of row {@code r} of a matrix with {@code in} columns */
    private static int rowBase(MatVec.Storage storage, int r, int in) {
        return Math.toIntExact((long) r * in * storage.bytes);
    }

    /**
     * Elements {@code [0, bound)} of a bfloat16 row times {@code x} in {@link #prepare}'s order, as
     * {@link #bfloat16Rows4} sums each row. Each int lane holds two consecutive bfloat16 values: shifted up by 16 bits
     * the first, masked the second, each is then a float.
     *
     * @return the row's accumulator ({@link #rowSum} makes the row's result of it)
     */
    private static FloatVector bfloat16Row(ByteBuffer w, int base, float[] x, int bound) {
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < bound; i += 2 * LANES) {
            IntVector pairs = IntVector.fromByteBuffer(I, w, base + i * Short.BYTES, ByteOrder.LITTLE_ENDIAN);
            a = pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, i), a);
            a = pairs.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, x, i + LANES), a);
        }
        return a;
    }

    /**
     * @return the elements of a row read in vectors: whole steps of the row's loop, {@code 4 * lanes} bytes (int8) or
     *     two vectors (bfloat16, float32)
     */
    private static int bound(MatVec.Storage storage, int in) {
        int step = storage == MatVec.Storage.INT8 ? 4 * LANES : 2 * LANES;
        return in - in % step;
    }

    /**
     * Elements {@code [0, bound)} of an int8 row times {@code x} in {@link #prepare}'s order, times 2^24, as
     * {@link #int8Rows4} sums each row ({@link #int8Sum} makes the row's result of it). Each int lane holds four
     * consecutive bytes; byte {@code k} is moved to the top byte and the rest cleared, which is the byte's value times
     * 2^24 as an int, exact as a float: one or two instructions per byte instead of a shift up and an arithmetic shift
     * down. Scaling by a power of two is exact, so the sums are those of the bytes themselves.
     *
     * @return the row's accumulator
     */
    private static FloatVector int8Row(ByteBuffer w, int base, float[] x, int bound) {
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < bound; i += 4 * LANES) {
            IntVector bytes = IntVector.fromByteBuffer(I, w, base + i, ByteOrder.LITTLE_ENDIAN);
            // written out rather than through a helper: a vector that crosses a call that is not inlined is boxed
            FloatVector b0 = (FloatVector) bytes.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0);
            FloatVector b1 = (FloatVector) bytes.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.AND, TOP)
                    .convert(VectorOperators.I2F, 0);
            FloatVector b2 = (FloatVector) bytes.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.AND, TOP)
                    .convert(VectorOperators.I2F, 0);
            FloatVector b3 = (FloatVector) bytes.lanewise(VectorOperators.AND, TOP).convert(VectorOperators.I2F, 0);
            a = b0.fma(FloatVector.fromArray(F, x, i), a);
            a = b1.fma(FloatVector.fromArray(F, x, i + LANES), a);
            a = b2.fma(FloatVector.fromArray(F, x, i + 2 * LANES), a);
            a = b3.fma(FloatVector.fromArray(F, x, i + 3 * LANES), a);
        }
        return a;
    }

    /**
     * {@link #float32Rows4} for int8 rows ({@link #int8Row}'s bytes at the top of each lane), each row's sum times
     * {@link #TOP_BYTE} and its scale.
     */
    private static void int8Rows4(ByteBuffer w, float[] scales, float[] x, float[] y, int first, int apart,
            int bound) {
        int b0 = rowBase(MatVec.Storage.INT8, first, x.length);
        int b1 = rowBase(MatVec.Storage.INT8, first + apart, x.length);
        int b2 = rowBase(MatVec.Storage.INT8, first + 2 * apart, x.length);
        int b3 = rowBase(MatVec.Storage.INT8, first + 3 * apart, x.length);
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        for (int i = 0; i < bound; i += 4 * LANES) {
            IntVector p0 = IntVector.fromByteBuffer(I, w, b0 + i, ByteOrder.LITTLE_ENDIAN);
            IntVector p1 = IntVector.fromByteBuffer(I, w, b1 + i, ByteOrder.LITTLE_ENDIAN);
            IntVector p2 = IntVector.fromByteBuffer(I, w, b2 + i, ByteOrder.LITTLE_ENDIAN);
            IntVector p3 = IntVector.fromByteBuffer(I, w, b3 + i, ByteOrder.LITTLE_ENDIAN);
            FloatVector xk = FloatVector.fromArray(F, x, i); // byte 0 of each lane
            a0 = ((FloatVector) p0.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).fma(xk, a0);
            a1 = ((FloatVector) p1.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).fma(xk, a1);
            a2 = ((FloatVector) p2.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).fma(xk, a2);
            a3 = ((FloatVector) p3.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).fma(xk, a3);
            xk = FloatVector.fromArray(F, x, i + LANES); // byte 1
            a0 = ((FloatVector) p0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.AND, TOP)
                    .convert(VectorOperators.I2F, 0)).fma(xk, a0);
            a1 = ((FloatVector) p1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.AND, TOP)
                    .convert(VectorOperators.I2F, 0)).fma(xk, a1);
            a2 = ((FloatVector) p2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.AND, TOP)
                    .convert(VectorOperators.I2F, 0)).fma(xk, a2);
            a3 = ((FloatVector) p3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.AND, TOP)
                    .convert(VectorOperators.I2F, 0)).fma(xk, a3);
            xk = FloatVector.fromArray(F, x, i + 2 * LANES); // byte 2
            a0 = ((FloatVector) p0.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.AND, TOP)
                    .convert(VectorOperators.I2F, 0)).fma(xk, a0);
            a1 = ((FloatVector) p1.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.AND, TOP)
                    .convert(VectorOperators.I2F, 0)).fma(xk, a1);
            a2 = ((FloatVector) p2.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.AND, TOP)
                    .convert(VectorOperators.I2F, 0)).fma(xk, a2);
            a3 = ((FloatVector) p3.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.AND, TOP)
                    .convert(VectorOperators.I2F, 0)).fma(xk, a3);
            xk = FloatVector.fromArray(F, x, i + 3 * LANES); // byte 3
            a0 = ((FloatVector) p0.lanewise(VectorOperators.AND, TOP).convert(VectorOperators.I2F, 0)).fma(xk, a0);
            a1 = ((FloatVector) p1.lanewise(VectorOperators.AND, TOP).convert(VectorOperators.I2F, 0)).fma(xk, a1);
            a2 = ((FloatVector) p2.lanewise(VectorOperators.AND, TOP).convert(VectorOperators.I2F, 0)).fma(xk, a2);
            a3 = ((FloatVector) p3.lanewise(VectorOperators.AND, TOP).convert(VectorOperators.I2F, 0)).fma(xk, a3);
        }
        y[first] = int8Sum(a0, scales[first], w, b0, x, bound);
        y[first + apart] = int8Sum(a1, scales[first + apart], w, b1, x, bound);
        y[first + 2 * apart] = int8Sum(a2, scales[first + 2 * apart], w, b2, x, bound);
        y[first + 3 * apart] = int8Sum(a3, scales[first + 3 * apart], w, b3, x, bound);
    }

    /** One int8 row's result from its accumulator (bytes at the top of each lane), its tail and its scale. */
    private static float int8Sum(FloatVector a, float scale, ByteBuffer w, int base, float[] x, int bound) {
        float top = a.reduceLanes(VectorOperators.ADD) * TOP_BYTE;
        return (top + tail(MatVec.Storage.INT8, w, base, x, bound)) * scale;
    }

    /** Element {@code i} of the row as a float. */
    private static float element(MatVec.Storage storage, ByteBuffer w, int base, int i) {
        return switch (storage) {
            case FLOAT32 -> w.getFloat(base + i * Float.BYTES);
            case BFLOAT16 -> Float.intBitsToFloat(w.getShort(base + i * Short.BYTES) << 16);
            case INT8 -> w.get(base + i);
        };
    }
}
