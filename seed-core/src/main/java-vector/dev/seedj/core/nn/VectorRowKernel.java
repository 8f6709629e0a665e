package dev.seedj.core.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link MatVec}'s row kernel on the JDK's Vector API: each row's dot product with {@code x} in the widest float
 * vectors the CPU has (16 lanes with AVX-512), several accumulators to hide the fused multiply-add latency, the
 * elements after the last whole vector step in scalar code. bfloat16 and int8 rows are read as int vectors holding two
 * or four values each, taken apart in registers (a bfloat16 value is a float's upper half: one shift or mask; an int8
 * value is shifted to the top, back down with its sign, and converted), against {@code x} reordered once per product
 * ({@link #prepare}). Reading them as vectors of shorts or bytes was slower, an int8 row half as fast: each
 * {@code ByteBuffer} load costs about the same instructions whatever its width.
 * Loaded by name from {@link MatVec} only when the JVM has the {@code jdk.incubator.vector} module.
 *
 * <p>Stateless and thread-safe.
 */
final class VectorRowKernel implements MatVec.RowKernel {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
    private static final int LANES = F.length();

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
        for (int r = from; r < to; r++) {
            int base = Math.toIntExact((long) r * x.length * Float.BYTES);
            y[r] = float32Row(w, base, x, bound) + tail(MatVec.Storage.FLOAT32, w, base, x, bound);
        }
    }

    private static void bfloat16Rows(ByteBuffer w, float[] x, float[] y, int from, int to) {
        int bound = bound(MatVec.Storage.BFLOAT16, x.length);
        for (int r = from; r < to; r++) {
            int base = Math.toIntExact((long) r * x.length * Short.BYTES);
            y[r] = bfloat16Row(w, base, x, bound) + tail(MatVec.Storage.BFLOAT16, w, base, x, bound);
        }
    }

    private static void int8Rows(ByteBuffer w, float[] scales, float[] x, float[] y, int from, int to) {
        int bound = bound(MatVec.Storage.INT8, x.length);
        for (int r = from; r < to; r++) {
            int base = Math.toIntExact((long) r * x.length);
            y[r] = (int8Row(w, base, x, bound) + tail(MatVec.Storage.INT8, w, base, x, bound)) * scales[r];
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

    /** Elements {@code [0, bound)} of a float32 row times {@code x}. */
    private static float float32Row(ByteBuffer w, int base, float[] x, int bound) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        for (int i = 0; i < bound; i += 2 * LANES) {
            FloatVector w0 = FloatVector.fromByteBuffer(F, w, base + i * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
            FloatVector w1 = FloatVector.fromByteBuffer(F, w, base + (i + LANES) * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
            a0 = w0.fma(FloatVector.fromArray(F, x, i), a0);
            a1 = w1.fma(FloatVector.fromArray(F, x, i + LANES), a1);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /**
     * Elements {@code [0, bound)} of a bfloat16 row times {@code x} in {@link #prepare}'s order. Each int lane holds
     * two consecutive bfloat16 values: shifted up by 16 bits the first, masked the second, each is then a float.
     */
    private static float bfloat16Row(ByteBuffer w, int base, float[] x, int bound) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        for (int i = 0; i < bound; i += 2 * LANES) {
            IntVector pairs = IntVector.fromByteBuffer(I, w, base + i * Short.BYTES, ByteOrder.LITTLE_ENDIAN);
            a0 = pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, i), a0);
            a1 = pairs.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, x, i + LANES), a1);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
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
     * Elements {@code [0, bound)} of an int8 row times {@code x} in {@link #prepare}'s order (the row's scale is
     * applied by the caller). Each int lane holds four consecutive bytes; byte {@code k} is shifted to the top and
     * arithmetically back down (its sign extended), converted to float and met with quarter {@code k} of the block.
     */
    private static float int8Row(ByteBuffer w, int base, float[] x, int bound) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        for (int i = 0; i < bound; i += 4 * LANES) {
            IntVector bytes = IntVector.fromByteBuffer(I, w, base + i, ByteOrder.LITTLE_ENDIAN);
            // written out rather than through a helper: a vector that crosses a call that is not inlined is boxed
            FloatVector b0 = (FloatVector) bytes.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)
                    .convert(VectorOperators.I2F, 0);
            FloatVector b1 = (FloatVector) bytes.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24)
                    .convert(VectorOperators.I2F, 0);
            FloatVector b2 = (FloatVector) bytes.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24)
                    .convert(VectorOperators.I2F, 0);
            FloatVector b3 = (FloatVector) bytes.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            a0 = b0.fma(FloatVector.fromArray(F, x, i), a0);
            a1 = b1.fma(FloatVector.fromArray(F, x, i + LANES), a1);
            a2 = b2.fma(FloatVector.fromArray(F, x, i + 2 * LANES), a2);
            a3 = b3.fma(FloatVector.fromArray(F, x, i + 3 * LANES), a3);
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
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
