package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.seedj.core.weights.LibtorchOps;
import org.junit.jupiter.api.Test;

/** The Java matrix-vector kernel against libtorch's product, for each weight type, width and split. */
class MatVecTest {

    /** Widths around the vector steps (16 and 32 floats with AVX-512), and rows enough to split over threads. */
    private static final int[][] SHAPES = {{5, 1}, {7, 15}, {3, 16}, {9, 33}, {4, 67}, {1024, 2051}};

    @Test
    void testsRunWithTheKernel() {
        assertTrue(MatVec.available(), "a kernel loads in the tests: the native one, or the Vector API's (surefire adds"
                + " its module)");
    }

    @Test
    void aLayersKernelViewFollowsItsArrays() {
        try (NDManager m = NDManager.newBaseManager()) {
            Linear linear = new Linear(3, 2, true);
            new InMemoryStateDict().put("weight", new float[] {1, 2, 3, 4, 5, 6}, 2, 3)
                    .put("bias", new float[] {0.5f, -1}, 2).loadInto(linear, m);
            KernelMatrix view = linear.kernelMatrix();
            float[] x = {1, 0, -1};
            assertArrayEquals(new float[] {-1.5f, -3}, view.multiply(x));
            assertArrayEquals(new float[] {8.5f, 17}, view.multiply(x, new float[] {10, 20}), "a residual added");
            assertThrows(IllegalArgumentException.class, () -> view.multiply(x, new float[3]));
            assertSame(view, linear.kernelMatrix(), "kept while the arrays are the same");
            linear.bias().getArray().addi(1); // an optimizer's in-place step
            linear.weight().getArray().muli(2);
            assertArrayEquals(new float[] {-2.5f, -4}, linear.kernelMatrix().multiply(x));
            NDArray bias = linear.bias().getArray();
            NDArray other = m.create(new float[] {1, 1, 1, 0, 0, 0}, new Shape(2, 3));
            assertFalse(view.isViewOf(other, null, bias), "another weight array: Linear makes a new view");
            KernelMatrix remade = KernelMatrix.of(other, null, bias);
            assertArrayEquals(new float[] {1.5f, 0}, remade.multiply(x));
            assertThrows(IllegalArgumentException.class, () -> remade.multiply(new float[2]));
            assertTrue(remade.isViewOf(other, null, bias));
            other.close();
            assertFalse(remade.isViewOf(other, null, bias), "a closed array has no view");
        }
    }

    @Test
    void float32MatchesLibtorch() {
        for (int[] s : SHAPES) {
            try (NDManager m = NDManager.newBaseManager()) {
                m.getEngine().setRandomSeed(s[0] + s[1]);
                NDArray w = m.randomNormal(new Shape(s[0], s[1]));
                NDArray b = m.randomNormal(new Shape(s[0]));
                NDArray x = m.randomNormal(new Shape(1, 1, s[1]));
                NDArray expected = x.matMul(w.transpose()).add(b); // [1, 1, out]
                NDArray y = MatVec.multiply(x, w, null, b);
                assertEquals(new Shape(1, 1, s[0]), y.getShape());
                assertClose(expected.toFloatArray(), y.toFloatArray(), 1e-5f * (float) Math.sqrt(s[1]), s);
            }
        }
    }

    @Test
    void bfloat16RoundsTheInputAndMatchesLibtorch() {
        for (int[] s : SHAPES) {
            try (NDManager m = NDManager.newBaseManager()) {
                m.getEngine().setRandomSeed(s[0] * s[1]);
                NDArray w = LibtorchOps.toBfloat16(m.randomNormal(new Shape(s[0], s[1])));
                NDArray b = LibtorchOps.toBfloat16(m.randomNormal(new Shape(s[0])));
                NDArray x = m.randomNormal(new Shape(1, s[1]));
                // libtorch's own path: x rounded to bfloat16, both widened, product and bias in float32
                NDArray x16 = LibtorchOps.toBfloat16(x).toType(DataType.FLOAT32, false);
                NDArray expected = x16.matMul(w.toType(DataType.FLOAT32, false).transpose())
                        .add(b.toType(DataType.FLOAT32, false));
                NDArray y = MatVec.multiply(x, w, null, b);
                assertEquals(DataType.FLOAT32, y.getDataType());
                assertClose(expected.toFloatArray(), y.toFloatArray(), 1e-5f * (float) Math.sqrt(s[1]), s);
            }
        }
    }

    @Test
    void int8AppliesOneScalePerRow() {
        for (int[] s : SHAPES) {
            try (NDManager m = NDManager.newBaseManager()) {
                m.getEngine().setRandomSeed(s[0] - s[1]);
                NDArray q = m.randomUniform(-127, 128, new Shape(s[0], s[1])).floor().toType(DataType.INT8, false);
                NDArray scales = m.randomUniform(0.001f, 0.01f, new Shape(s[0]));
                NDArray x = m.randomNormal(new Shape(1, s[1]));
                NDArray expected = x.matMul(q.toType(DataType.FLOAT32, false).transpose()).mul(scales);
                NDArray y = MatVec.multiply(x, q, scales, null);
                assertClose(expected.toFloatArray(), y.toFloatArray(), 1e-3f * (float) Math.sqrt(s[1]), s);
            }
        }
    }

    @Test
    void onlyOneFloat32RowOutsideAutogradApplies() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(new Shape(8, 4));
            assertTrue(MatVec.applies(m.ones(new Shape(1, 4)), w));
            assertFalse(MatVec.applies(m.ones(new Shape(2, 4)), w), "two rows are a matrix product");
            assertFalse(MatVec.applies(m.ones(new Shape(1, 5)), w), "a width that does not match");
            assertFalse(MatVec.applies(m.ones(new Shape(1, 4), DataType.FLOAT64), w));
            assertFalse(MatVec.applies(m.ones(new Shape(1, 4)), m.ones(new Shape(8, 4), DataType.INT32)));
            assertThrows(IllegalArgumentException.class, () -> MatVec.multiply(m.ones(new Shape(2, 4)), w, null,
                    null));
            assertThrows(IllegalArgumentException.class, () -> MatVec.multiply(m.ones(new Shape(1, 4)), w,
                    m.ones(new Shape(8)), null), "scales with a float weight");
            w.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                assertFalse(MatVec.applies(m.ones(new Shape(1, 4)), w), "a weight being trained");
            }
        }
    }

    @Test
    void linearLayerUsesTheKernelWithTheSameResult() {
        try (NDManager m = NDManager.newBaseManager()) {
            Linear layer = new Linear(40, 24, true);
            m.getEngine().setRandomSeed(3);
            layer.weight().setArray(m.randomNormal(new Shape(24, 40)));
            layer.bias().setArray(m.randomNormal(new Shape(24)));
            NDArray one = m.randomNormal(new Shape(1, 40));
            NDArray twice = one.repeat(0, 2); // two equal rows: libtorch's product
            float[] kernel = layer.forward(one).toFloatArray();
            float[] libtorch = layer.forward(twice).get(0).toFloatArray();
            assertClose(libtorch, kernel, 1e-5f, new int[] {24, 40});
        }
    }

    @Test
    void int8LayerMultipliesAFewRowsOneByOneAsLibtorchsKernelDoes() {
        try (NDManager m = NDManager.newBaseManager()) {
            Int8Linear layer = new Int8Linear(40, 24, true);
            m.getEngine().setRandomSeed(5);
            layer.weight().setArray(m.randomNormal(new Shape(24, 40)));
            layer.bias().setArray(m.randomNormal(new Shape(24)));
            float[] w = layer.weight().getArray().toFloatArray();
            float[] bias = layer.bias().getArray().toFloatArray();
            layer.quantize(m, Int8Linear.Activations.FLOAT32);
            NDArray steps = m.randomNormal(new Shape(3, 1, 40)); // three sequences, one decoding step each
            NDArray y = layer.forward(steps);
            assertEquals(new Shape(3, 1, 24), y.getShape());
            NDArray q = m.create(new Shape(24, 40), DataType.INT8); // the layer's own int8 matrix and scales
            float[] scales = new float[24];
            byte[] levels = new byte[24 * 40];
            for (int r = 0; r < 24; r++) {
                float max = 0;
                for (int i = 0; i < 40; i++) {
                    max = Math.max(max, Math.abs(w[r * 40 + i]));
                }
                scales[r] = max / Int8Linear.WEIGHT_ONLY_LEVELS;
                for (int i = 0; i < 40; i++) {
                    levels[r * 40 + i] = (byte) Math.round(w[r * 40 + i] / scales[r]);
                }
            }
            q.set(levels);
            NDArray libtorch = LibtorchOps.int8MatMul(steps.reshape(3, 40), q, m.create(scales))
                    .add(m.create(bias));
            assertClose(libtorch.toFloatArray(), y.toFloatArray(), 1e-4f, new int[] {24, 40});
        }
    }

    private static void assertClose(float[] expected, float[] actual, float tolerance, int[] shape) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            float scale = Math.max(1f, Math.abs(expected[i]));
            assertEquals(expected[i], actual[i], tolerance * scale,
                    "shape " + shape[0] + "x" + shape[1] + " row " + i);
        }
        boolean nonZero = false;
        for (float v : actual) {
            nonZero |= v != 0;
        }
        assertTrue(nonZero, "a product of random matrices is not zero");
    }
}
