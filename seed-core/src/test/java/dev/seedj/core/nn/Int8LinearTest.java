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
 * span three 4 MiB blocks, the last one partial. And quantisation, which also goes a block of rows at a time, against
 * the whole matrix quantised at once.
 */
class Int8LinearTest {

    @Test
    void quantisingBlockByBlockEqualsQuantisingTheWholeMatrix() {
        int in = 2048;
        int out = 8200; // 67.2 MB of float32: a 64 MiB block of 8192 rows and one of 8
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(9);
            NDArray w = m.randomNormal(new Shape(out, in)).mul(m.randomUniform(0.1f, 2f, new Shape(out, 1)));
            Int8Linear layer = new Int8Linear(in, out, false);
            layer.weight().setArray(w.duplicate());
            layer.quantize(m, Int8Linear.Activations.FLOAT32);
            // the whole matrix at once: per-row scale = max |w| / 127, q = round(w / scale)
            NDArray scales = w.abs().max(new int[] {1}).div(Int8Linear.WEIGHT_ONLY_LEVELS);
            NDArray dequantized = w.div(scales.expandDims(1)).round().mul(scales.expandDims(1));
            NDArray x = m.randomNormal(new Shape(1, in));
            float[] expected = x.matMul(dequantized.transpose()).toFloatArray();
            float[] actual = layer.forward(x).toFloatArray(); // one row: the kernel on the layer's int8 matrix
            for (int r = 0; r < out; r++) {
                assertEquals(expected[r], actual[r], 1e-4 * Math.max(1, Math.abs(expected[r])), "output " + r);
            }
        }
    }

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
