package dev.seedj.core.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link MatVec}'s row kernel on the JDK's Vector API: each row's dot product with {@code x} in the widest float
 * vectors the CPU has (16 lanes with AVX-512), two accumulators to hide the fused multiply-add latency, the last
 * {@code in % (2 * lanes)} elements in scalar code. A bfloat16 row is read as shorts (half the bytes of the float
 * vector), widened to int and shifted into a float's upper half; an int8 row as bytes (a quarter) converted to float.
 * Loaded by name from {@link MatVec} only when the JVM has the {@code jdk.incubator.vector} module.
 *
 * <p>Stateless and thread-safe.
 */
final class VectorRowKernel implements MatVec.RowKernel {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(F.vectorBitSize() / 4));
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
    private static final int LANES = F.length();

    /** Needs float vectors of at least 256 bits (an int8 row is read in vectors of a quarter of that). */
    VectorRowKernel() {
        if (F.vectorBitSize() < 256) {
            throw new UnsupportedOperationException("float vectors of " + F.vectorBitSize() + " bits: too narrow");
        }
    }

    @Override
    public void rows(MatVec.Storage storage, ByteBuffer w, float[] scales, float[] x, float[] y, int from, int to) {
        for (int r = from; r < to; r++) {
            float dot = row(storage, w, Math.toIntExact((long) r * x.length * storage.bytes), x);
            y[r] = scales == null ? dot : dot * scales[r];
        }
    }

    /**
     * One row's dot product with {@code x}; the row starts at byte {@code base} of {@code w}. Each storage has its own
     * vector loop, so that nothing is dispatched per load and the vectors of every loop stay in registers.
     */
    private static float row(MatVec.Storage storage, ByteBuffer w, int base, float[] x) {
        int bound = x.length - x.length % (2 * LANES);
        float dot = switch (storage) {
            case FLOAT32 -> float32Row(w, base, x, bound);
            case BFLOAT16 -> bfloat16Row(w, base, x, bound);
            case INT8 -> int8Row(w, base, x, bound);
        };
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

    /** Elements {@code [0, bound)} of a bfloat16 row times {@code x}: read as shorts, widened in registers. */
    private static float bfloat16Row(ByteBuffer w, int base, float[] x, int bound) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        for (int i = 0; i < bound; i += 2 * LANES) {
            ShortVector b0 = ShortVector.fromByteBuffer(S, w, base + i * Short.BYTES, ByteOrder.LITTLE_ENDIAN);
            ShortVector b1 = ShortVector.fromByteBuffer(S, w, base + (i + LANES) * Short.BYTES, ByteOrder.LITTLE_ENDIAN);
            a0 = widen(b0).fma(FloatVector.fromArray(F, x, i), a0);
            a1 = widen(b1).fma(FloatVector.fromArray(F, x, i + LANES), a1);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /** bfloat16 bits to floats: the 16 bits become a float's upper half (S2I's sign extension is shifted out). */
    private static FloatVector widen(ShortVector bits) {
        return ((IntVector) bits.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    /** Elements {@code [0, bound)} of an int8 row times {@code x} (the row's scale is applied by the caller). */
    private static float int8Row(ByteBuffer w, int base, float[] x, int bound) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        for (int i = 0; i < bound; i += 2 * LANES) {
            ByteVector b0 = ByteVector.fromByteBuffer(B, w, base + i, ByteOrder.LITTLE_ENDIAN);
            ByteVector b1 = ByteVector.fromByteBuffer(B, w, base + i + LANES, ByteOrder.LITTLE_ENDIAN);
            a0 = ((FloatVector) b0.convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, i), a0);
            a1 = ((FloatVector) b1.convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, i + LANES),
                    a1);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
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
