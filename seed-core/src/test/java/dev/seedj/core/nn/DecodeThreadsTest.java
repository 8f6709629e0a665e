package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.seedj.core.weights.LibtorchOps;
import org.junit.jupiter.api.Test;

/** A streaming decoding step: single-threaded libtorch, the kernel split over every core, both restored after. */
class DecodeThreadsTest {
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    @Test
    void streamingSwitchesBothThreadCountsAndRestoresThem() {
        assumeTrue(CORES > 1, "one core: nothing to split");
        try (NDManager m = NDManager.newBaseManager()) {
            m.zeros(new Shape(1)).add(1); // the engine is up
            int before = JniUtils.getNumThreads();
            assumeTrue(before > 1, "libtorch already runs one thread");
            int[] inside = DecodeThreads.streaming(() -> DecodeThreads.streaming(
                    () -> new int[] {JniUtils.getNumThreads(), MatVec.streamingParts()})); // nested: the same
            assertArrayEquals(new int[] {1, CORES}, inside);
            assertEquals(before, JniUtils.getNumThreads());
            assertEquals(1, MatVec.streamingParts());
            assertThrows(IllegalStateException.class, () -> DecodeThreads.streaming(() -> {
                throw new IllegalStateException("a failing step");
            }));
            assertEquals(before, JniUtils.getNumThreads());
            assertEquals(1, MatVec.streamingParts());
        }
    }

    @Test
    void stepsWhoseProductsAreAllTheKernelsStream() {
        assertTrue(DecodeThreads.streams(1, null)); // float32 or bfloat16, one row
        assertFalse(DecodeThreads.streams(2, null)); // libtorch's product for several rows
        assertTrue(DecodeThreads.streams(1, Int8Linear.Activations.FLOAT32));
        assertTrue(DecodeThreads.streams((int) Int8Linear.GEMV_ROWS, Int8Linear.Activations.FLOAT32)); // row by row
        assertFalse(DecodeThreads.streams((int) Int8Linear.GEMV_ROWS + 1, Int8Linear.Activations.FLOAT32));
        assertFalse(DecodeThreads.streams(1, Int8Linear.Activations.INT8)); // fbgemm
    }

    @Test
    void aSplitProductEqualsTheOneThreadProduct() {
        assumeTrue(CORES > 1, "one core: nothing to split");
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(11);
            // 1027 rows: split in chunks, some rows of a chunk are read four at a time and some alone; above the size
            // that is split in every type (2 MB in int8)
            NDArray f32 = m.randomNormal(new Shape(1027, 2051));
            NDArray int8 = m.randomInteger(-127, 128, new Shape(1027, 2051), DataType.INT8);
            NDArray scales = m.randomUniform(0.001f, 0.01f, new Shape(1027));
            NDArray x = m.randomNormal(new Shape(1, 2051));
            NDArray[][] cases = {{f32, null}, {LibtorchOps.toBfloat16(f32), null}, {int8, scales}};
            for (NDArray[] c : cases) {
                float[] alone = MatVec.multiply(x, c[0], c[1], null).toFloatArray();
                float[] split = DecodeThreads.streaming(() -> MatVec.multiply(x, c[0], c[1], null).toFloatArray());
                // each row is the same dot product, whichever thread computes it and with whichever rows
                assertArrayEquals(alone, split, c[0].getDataType().toString());
            }
            assertTrue(Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.getName().startsWith("seedj-matvec-")), "a worker took part of the rows");
        }
    }
}
