package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * A weight-only int8 layer's prompt product (more rows than {@link Int8Linear#GEMV_ROWS}), which dequantises the
 * weight a block of output rows at a time, against the same layer's decoding product of each token alone
 * ({@link MatVec} on the int8 matrix, checked against libtorch in {@link MatVecTest}): 2500 output rows of width 1024
 * span three 4 MiB blocks, the last one partial.
 */
class Int8LinearTest {

    @Test
    void promptProductOverSeveralBlocksEqualsEachTokensProduct() {
        assertTrue(MatVec.available(), "a kernel loads in the tests: the native one, or the Vector API's (surefire adds"
                + " its module)");
        int in = 1024;
        int out = 2500;
        int tokens = 2 * (int) Int8Linear.GEMV_ROWS + 3;
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(7);
            Int8Linear layer = new Int8Linear(in, out, true);
            layer.weight().setArray(m.randomNormal(new Shape(out, in)));
            layer.bias().setArray(m.randomNormal(new Shape(out)));
            layer.quantize(m, Int8Linear.Activations.FLOAT32);
            NDArray x = m.randomNormal(new Shape(1, tokens, in)); // one prompt of 35 tokens
            NDArray y = layer.forward(x);
            assertEquals(new Shape(1, tokens, out), y.getShape());
            float[] prompt = y.toFloatArray();
            for (int t = 0; t < tokens; t++) {
                float[] step = layer.forward(x.get("0, {}:{}, :", t, t + 1)).toFloatArray(); // [1, 1, out]
                for (int r = 0; r < out; r++) {
                    assertEquals(step[r], prompt[t * out + r], 1e-4 * Math.max(1, Math.abs(step[r])),
                            "token " + t + " output " + r);
                }
            }
        }
    }
}
