package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * {@link RowAttention} against {@link AttentionMath#attend} over the same cache: one key/value head per query head and
 * grouped-query attention (each key/value head repeated for its query heads, as {@code repeat_kv}), with a masked
 * position, a head width with a vector tail, and a cache grown past its first capacity.
 */
class RowAttentionTest {

    @Test
    void equalsLibtorchsAttentionWithAndWithoutGroups() {
        assumeTrue(MatVec.available(), "needs the Vector API kernel");
        compare(4, 4, 16, 20);
        compare(6, 2, 19, 37); // three query heads per key/value head; 19 = one 16-lane step and a tail
    }

    private static void compare(int heads, int kvHeads, int width, int length) {
        try (NDManager m = NDManager.newBaseManager(); KvCache cache = new KvCache(m, 1)) {
            m.getEngine().setRandomSeed(heads * 100 + length);
            NDArray keys = m.randomNormal(new Shape(1, kvHeads, length, width));
            NDArray values = m.randomNormal(new Shape(1, kvHeads, length, width));
            cache.append(0, keys.get(":, :, :{}", length - 1), values.get(":, :, :{}", length - 1));
            float[] lastKey = keys.get(":, :, -1:").toFloatArray(); // [KV * D], heads one after another
            float[] lastValue = values.get(":, :, -1:").toFloatArray();
            KvCache.Rows rows = cache.appendRow(0, lastKey, lastValue);
            NDArray q = m.randomNormal(new Shape(1, heads, 1, width));
            float[] mask = new float[length];
            mask[3] = -Float.MAX_VALUE; // a padded position
            float scale = (float) (1 / Math.sqrt(width));
            int group = heads / kvHeads;
            NDArray k = keys.expandDims(2).repeat(2, group).reshape(1, heads, length, width); // repeat_kv
            NDArray v = values.expandDims(2).repeat(2, group).reshape(1, heads, length, width);
            NDArray expected = AttentionMath.attend(q, k, v, m.create(mask, new Shape(1, 1, 1, length)), scale);
            float[] actual = RowAttention.attend(q.toFloatArray(), rows, scale, mask);
            assertArrayEquals(expected.toFloatArray(), actual, 1e-5f);
            assertThrows(IllegalArgumentException.class,
                    () -> RowAttention.attend(new float[width * kvHeads + width], rows, scale, null));
            assertThrows(IllegalArgumentException.class,
                    () -> RowAttention.attend(q.toFloatArray(), rows, scale, new float[length - 1]));
        }
    }
}
