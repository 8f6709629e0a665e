package dev.seedj.llm.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.weights.LibtorchOps;

/**
 * Rotary position embeddings as transformers' {@code LlamaRotaryEmbedding} (and its linear and dynamic-NTK
 * scaling variants) computes them: float32 frequencies {@code inv_freq[j] = 1 / base^(2j / dim)}, angles
 * {@code t * inv_freq} in float32 with {@code t} the position (divided by the factor for linear scaling),
 * {@code emb = cat(freqs, freqs)}, and {@code q * cos + rotate_half(q) * sin}.
 *
 * <p>The cos/sin rows are computed for exactly the positions of a pass (Hugging Face caches a table and indexes
 * it by {@code position_ids}: the same values). Dynamic scaling follows transformers 4.31: once the key length
 * {@code past + T} exceeds {@code max_position_embeddings}, the base becomes
 * {@code base * ((factor * len / max) - (factor - 1))^(dim / (dim - 2))}.
 *
 * <p>Immutable and thread-safe.
 */
final class LlamaRotaryEmbedding {
    private final int dim;
    private final double base;
    private final int maxPositions;
    private final LlamaConfig.RopeScaling scaling;
    private final float[] invFreq;

    /** @param config the architecture (head width, rope theta and scaling, trained length) */
    LlamaRotaryEmbedding(LlamaConfig config) {
        this.dim = config.headDim();
        this.base = config.ropeTheta();
        this.maxPositions = config.maxPositions();
        this.scaling = config.ropeScaling();
        this.invFreq = inverseFrequencies(base, dim);
    }

    /**
     * {@code 1 / base^(arange(0, dim, 2).float() / dim)} in float32, as the reference computes it.
     *
     * @param base the rotary base
     * @param dim the head width
     * @return [dim / 2] frequencies
     */
    static float[] inverseFrequencies(double base, int dim) {
        float b = (float) base;
        float[] out = new float[dim / 2];
        for (int j = 0; j < out.length; j++) {
            float exponent = (float) (2 * j) / dim;
            out[j] = 1f / (float) Math.pow(b, exponent);
        }
        return out;
    }

    /** @return the frequencies used for sequences within the trained length, [dim / 2] */
    float[] inverseFrequencies() {
        return invFreq.clone();
    }

    /**
     * The cos and sin rows of the given positions.
     *
     * @param positions row-major [B, T] position ids
     * @param batch B
     * @param length T
     * @param keyLength past + T, the length dynamic scaling looks at
     * @param manager owns the results
     * @return {@code {cos, sin}}, each float32 [B, 1, T, dim]
     */
    NDArray[] cosSin(long[] positions, int batch, int length, int keyLength, NDManager manager) {
        float[][] rows = cosSinValues(positions, keyLength);
        Shape shape = new Shape(batch, 1, length, dim);
        return new NDArray[] {manager.create(rows[0], shape), manager.create(rows[1], shape)};
    }

    /**
     * @param positions position ids
     * @param keyLength past + T, the length dynamic scaling looks at
     * @return {@code {cos, sin}}, each [positions.length * dim], a row of {@code dim} per position
     */
    float[][] cosSinValues(long[] positions, int keyLength) {
        float[] freqs = invFreq;
        if (scaling.type() == LlamaConfig.RopeScaling.Type.DYNAMIC && keyLength > maxPositions) {
            double f = scaling.factor();
            double grown = base * Math.pow(f * keyLength / maxPositions - (f - 1), (double) dim / (dim - 2));
            freqs = inverseFrequencies(grown, dim);
        }
        float divisor = scaling.type() == LlamaConfig.RopeScaling.Type.LINEAR ? (float) scaling.factor() : 1f;
        int half = dim / 2;
        float[] cos = new float[positions.length * dim];
        float[] sin = new float[positions.length * dim];
        for (int p = 0; p < positions.length; p++) {
            float t = positions[p] / divisor;
            for (int j = 0; j < half; j++) {
                float angle = t * freqs[j];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * dim + j] = c; // emb = cat(freqs, freqs)
                cos[p * dim + half + j] = c;
                sin[p * dim + j] = s;
                sin[p * dim + half + j] = s;
            }
        }
        return new float[][] {cos, sin};
    }

    /**
     * {@link #apply} for one position held in a Java array: each head of {@code x} rotated in place.
     *
     * @param x [heads * dim], the heads one after another
     * @param cos [dim], from {@link #cosSinValues}
     * @param sin [dim]
     */
    static void applyToRow(float[] x, float[] cos, float[] sin) {
        int dim = cos.length;
        int half = dim / 2;
        for (int h = 0; h < x.length; h += dim) {
            for (int j = 0; j < half; j++) {
                float x1 = x[h + j];
                float x2 = x[h + half + j];
                x[h + j] = x1 * cos[j] + -x2 * sin[j]; // rotate_half(x) = cat(-x2, x1)
                x[h + half + j] = x2 * cos[half + j] + x1 * sin[half + j];
            }
        }
    }

    /**
     * {@code x * cos + rotate_half(x) * sin}, where {@code rotate_half(x) = cat(-x[..., half:], x[..., :half])}.
     *
     * @param x [B, heads, T, dim], float32 or bfloat16
     * @param cos [B, 1, T, dim]
     * @param sin [B, 1, T, dim]
     * @return [B, heads, T, dim], of {@code x}'s type
     */
    static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
        if (LibtorchOps.isBfloat16(x)) { // rotated in float32, then rounded once
            return LibtorchOps.toBfloat16(apply(x.toType(DataType.FLOAT32, false), cos, sin));
        }
        long half = x.getShape().get(3) / 2;
        NDArray x1 = x.get("..., :{}", half); // [B, heads, T, half]
        NDArray x2 = x.get("..., {}:", half);
        NDArray rotated = x2.neg().concat(x1, -1); // [B, heads, T, dim]
        return x.mul(cos).add(rotated.mul(sin));
    }
}
