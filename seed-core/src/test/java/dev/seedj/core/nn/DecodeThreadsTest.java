package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
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
            NDArray w = m.randomNormal(new Shape(1024, 2051)); // 8 MB: above the size that is split
            NDArray x = m.randomNormal(new Shape(1, 2051));
            float[] alone = MatVec.multiply(x, w, null, null).toFloatArray();
            float[] split = DecodeThreads.streaming(() -> MatVec.multiply(x, w, null, null).toFloatArray());
            assertArrayEquals(alone, split); // each row is the same dot product, whichever thread computes it
            assertTrue(Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.getName().startsWith("seedj-matvec-")), "a worker took part of the rows");
        }
    }
}
