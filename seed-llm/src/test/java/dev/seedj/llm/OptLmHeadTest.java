package dev.seedj.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The decoding output layer of a bfloat16 model: its logits come from the bfloat16 copy of the matrix, except each
 * row's {@value OptModel#RESCORED_LOGITS} largest, which equal the float32 products. Checked against products
 * computed here in double from the float32 matrix and from its bfloat16 rounding (inputs rounded too), for one row
 * (the Java kernel, float32 results) and for several (libtorch, bfloat16 results).
 */
class OptLmHeadTest {
    private static final int PROJ = 64;
    private static final int VOCAB = 300;

    @Test
    void bfloat16HeadRescoresItsBestLogitsInFloat32() {
        float[] w = random(VOCAB * PROJ, 1);
        for (int rows : new int[] {1, 3}) {
            float[] hidden = random(rows * PROJ, 2 + rows);
            try (NDManager manager = NDManager.newBaseManager()) {
                OptLmHead head = OptLmHead.separate(PROJ, VOCAB);
                head.getParameters().get(OptLmHead.WEIGHT).setArray(manager.create(w, new Shape(VOCAB, PROJ)));
                head.reduceToBfloat16(manager);
                float[] logits = head.lastLogits(manager.create(hidden, new Shape(rows, PROJ))).toFloatArray();
                assertEquals(rows * VOCAB, logits.length);
                for (int r = 0; r < rows; r++) {
                    double[] exact = new double[VOCAB];
                    double[] rounded = new double[VOCAB];
                    for (int v = 0; v < VOCAB; v++) {
                        for (int i = 0; i < PROJ; i++) {
                            exact[v] += (double) w[v * PROJ + i] * hidden[r * PROJ + i];
                            rounded[v] += (double) bfloat16(w[v * PROJ + i]) * bfloat16(hidden[r * PROJ + i]);
                        }
                    }
                    int rescored = 0;
                    int fromCopy = 0;
                    for (int v = 0; v < VOCAB; v++) {
                        float got = logits[r * VOCAB + v];
                        if (Math.abs(got - exact[v]) < 1e-5) {
                            rescored++;
                        } else {
                            // the bfloat16 product summed in float32: returned as float32 by the kernel (one row),
                            // rounded to bfloat16 by libtorch (several rows)
                            double halfUlp = Math.scalb(1.0, Math.getExponent((float) rounded[v]) - 8); // 7 bits
                            double tolerance = rows == 1 ? 1e-4 : halfUlp + 1e-4;
                            assertEquals(rounded[v], got, tolerance, rows + " rows: row " + r + " logit " + v);
                            fromCopy++;
                        }
                    }
                    // the float32 values are exactly the largest of the copy's logits
                    double[] sorted = exact.clone();
                    Arrays.sort(sorted);
                    assertTrue(rescored >= OptModel.RESCORED_LOGITS, rows + " rows: " + rescored + " rescored");
                    assertTrue(fromCopy > VOCAB / 2, rows + " rows: only " + fromCopy + " logits from the copy");
                    float best = Float.NEGATIVE_INFINITY;
                    for (int v = 0; v < VOCAB; v++) {
                        best = Math.max(best, logits[r * VOCAB + v]);
                    }
                    assertEquals(sorted[VOCAB - 1], best, 1e-5, "the best logit is float32's");
                }
            }
        }
    }

    /** @return {@code x} rounded to the nearest bfloat16 (ties to even), as libtorch and the kernel round */
    private static float bfloat16(float x) {
        int bits = Float.floatToRawIntBits(x);
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }

    private static float[] random(int n, long seed) {
        Random random = new Random(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
