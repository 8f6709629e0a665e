package dev.seedj.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.nn.AttentionMath;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The attention fallback for inputs the fused kernel does not take (here float64): heads attended in slices of a
 * bounded score size give the same values as all heads at once, and as the fused float32 path.
 */
class CrossAttentionSlicesTest {

    @Test
    void slicedFallbackEqualsWholeAndFusedAttention() {
        try (NDManager m = NDManager.newBaseManager()) {
            Random random = new Random(3);
            NDArray q = gaussian(m, random, 2, 3, 5, 4);
            NDArray k = gaussian(m, random, 2, 3, 7, 4);
            NDArray v = gaussian(m, random, 2, 3, 7, 4);
            float scale = 0.5f;
            float[] whole = AttentionMath.attend(q, k, v, null, scale).toFloatArray();
            NDArray q64 = q.toType(DataType.FLOAT64, false);
            NDArray k64 = k.toType(DataType.FLOAT64, false);
            NDArray v64 = v.toType(DataType.FLOAT64, false);
            long twoPairs = 2 * 5 * 7; // 6 (batch, head) pairs in 3 slices
            NDArray sliced = CrossAttention.attendInSlices(q64, k64, v64, scale, twoPairs);
            assertEquals(new Shape(2, 3, 5, 4), sliced.getShape());
            assertArrayEquals(whole, sliced.toType(DataType.FLOAT32, false).toFloatArray(), 1e-5f);
            assertArrayEquals(whole, CrossAttention.attendInSlices(q, k, v, scale).toFloatArray(), 2e-5f);
        }
    }

    private static NDArray gaussian(NDManager m, Random random, long... shape) {
        float[] values = new float[(int) new Shape(shape).size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return m.create(values, new Shape(shape));
    }
}
