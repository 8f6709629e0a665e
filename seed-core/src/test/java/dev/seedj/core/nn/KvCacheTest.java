package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.weights.ComputeType;
import dev.seedj.core.weights.LibtorchOps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The KV cache's in-place buffers: values across growth, multi-step appends and reordering, shape checks, and rows
 * written from Java.
 */
class KvCacheTest {
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** [B, H, T, D] whose element (b, h, t, d) is {@code first + 1000 b + 100 h + t + d / 10}. */
    private NDArray steps(long batch, long first, long count) {
        float[] v = new float[(int) (batch * 2 * count * 3)];
        int i = 0;
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < 2; h++) {
                for (int t = 0; t < count; t++) {
                    for (int d = 0; d < 3; d++) {
                        v[i++] = first + 1000 * b + 100 * h + t + d / 10f;
                    }
                }
            }
        }
        return manager.create(v, new Shape(batch, 2, count, 3));
    }

    @Test
    void appendingPastTheCapacityKeepsEveryStepInOrder() {
        try (KvCache cache = new KvCache(manager, 2)) {
            assertNull(cache.keys(0));
            cache.append(0, steps(1, 0, 5), steps(1, 0, 5).neg());
            cache.append(1, steps(1, 0, 5), steps(1, 0, 5));
            for (int t = 5; t < 70; t++) { // 16 -> 32 -> 64 -> 128 steps of room
                NDArray[] kv = cache.append(0, steps(1, t, 1), steps(1, t, 1).neg());
                cache.append(1, steps(1, t, 1), steps(1, t, 1));
                assertEquals(new Shape(1, 2, t + 1, 3), kv[0].getShape());
            }
            assertEquals(70, cache.length());
            assertArrayEquals(steps(1, 0, 70).toFloatArray(), cache.keys(0).toFloatArray());
            assertArrayEquals(steps(1, 0, 70).neg().toFloatArray(), cache.values(0).toFloatArray());
            assertArrayEquals(steps(1, 0, 70).toFloatArray(), cache.values(1).toFloatArray());
        }
    }

    @Test
    void severalStepsAtOnceAndReordering() {
        try (KvCache cache = new KvCache(manager, 1)) {
            cache.append(0, steps(2, 0, 3), steps(2, 0, 3));
            cache.append(0, steps(2, 3, 20), steps(2, 3, 20)); // grows from 16 to 32 in one append
            cache.reorder(manager.create(new long[] {1, 1, 0}));
            cache.append(0, steps(3, 23, 1), steps(3, 23, 1));
            NDArray all = steps(2, 0, 24);
            NDArray expected = all.get("1:2").concat(all.get("1:2"), 0).concat(all.get("0:1"), 0);
            // the step appended after the reordering comes from the 3-row input, not from the reordered rows
            expected.set(new NDIndex(":, :, 23:24"), steps(3, 23, 1));
            assertArrayEquals(expected.toFloatArray(), cache.keys(0).toFloatArray());
            assertEquals(new Shape(3, 2, 24, 3), cache.values(0).getShape());
        }
    }

    @Test
    void refusesStepsOfAnotherShape() {
        try (KvCache cache = new KvCache(manager, 1)) {
            cache.append(0, steps(1, 0, 2), steps(1, 0, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cache.append(0, steps(2, 2, 1), steps(2, 2, 1)));
            assertEquals("cannot append (2, 2, 1, 3) to a cache of (1, 2, 2, 3)", e.getMessage());
        }
    }

    @Test
    void rowsWrittenFromJavaMatchAppendedArraysAcrossGrowth() {
        try (KvCache cache = new KvCache(manager, 2)) {
            IllegalStateException empty = assertThrows(IllegalStateException.class,
                    () -> cache.appendRow(0, new float[6], new float[6]));
            assertEquals("appendRow needs a cache of one float32 batch row on the CPU; layer 0 holds nothing yet",
                    empty.getMessage());
            cache.append(0, steps(1, 0, 5), steps(1, 0, 5).neg());
            assertFalse(cache.appendsRows(), "layer 1 is still empty");
            cache.append(1, steps(1, 0, 5), steps(1, 0, 5));
            assertTrue(cache.appendsRows());
            KvCache.Rows rows = null;
            for (int t = 5; t < 40; t++) { // 16 -> 32 -> 64 steps of room
                float[] key = steps(1, t, 1).toFloatArray(); // [H * D]
                float[] value = steps(1, t, 1).neg().toFloatArray();
                rows = cache.appendRow(0, key, value);
                cache.appendRow(1, key, key);
                assertEquals(t + 1, rows.length());
                assertEquals(2, rows.heads());
                assertEquals(3, rows.width());
                // head 1, this step, element 2, read where the record says it is
                assertEquals(100 + t + 0.2f, rows.keys().getFloat(((rows.capacity() + t) * 3 + 2) * 4));
                assertEquals(-(100 + t + 0.2f), rows.values().getFloat(((rows.capacity() + t) * 3 + 2) * 4));
            }
            assertEquals(64, rows.capacity());
            assertEquals(40, cache.length());
            // the arrays libtorch's forward pass reads see what was written in Java
            assertArrayEquals(steps(1, 0, 40).toFloatArray(), cache.keys(0).toFloatArray());
            assertArrayEquals(steps(1, 0, 40).neg().toFloatArray(), cache.values(0).toFloatArray());
            assertArrayEquals(steps(1, 0, 40).toFloatArray(), cache.values(1).toFloatArray());
            cache.append(0, steps(1, 40, 1), steps(1, 40, 1).neg()); // and the two ways mix
            assertArrayEquals(steps(1, 0, 41).toFloatArray(), cache.keys(0).toFloatArray());
            IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
                    () -> cache.appendRow(1, new float[7], new float[7]));
            assertEquals("a row of 7 values for a cache of 2 heads of 3", wide.getMessage());
        }
        try (KvCache two = new KvCache(manager, 1)) {
            two.append(0, steps(2, 0, 3), steps(2, 0, 3));
            assertFalse(two.appendsRows(), "two batch rows");
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> two.appendRow(0, new float[6], new float[6]));
            assertTrue(e.getMessage().endsWith("layer 0 holds float32 (2, 2, 16, 3)"), e.getMessage());
        }
    }

    @Test
    void storedAsBfloat16AndBackKeepsPositionsAndRoundedValues() {
        try (KvCache cache = new KvCache(manager, 1)) {
            cache.storeAs(ComputeType.BFLOAT16); // no layer yet: nothing to convert
            cache.append(0, steps(1, 0, 5), steps(1, 0, 5).neg());
            cache.storeAs(ComputeType.BFLOAT16);
            assertTrue(LibtorchOps.isBfloat16(cache.keys(0)));
            assertTrue(cache.holdsOneRow());
            assertFalse(cache.appendsRows(), "bfloat16 rows");
            assertThrows(IllegalStateException.class, () -> cache.appendRow(0, new float[6], new float[6]));
            cache.storeAs(ComputeType.FLOAT32);
            assertTrue(cache.appendsRows());
            cache.appendRow(0, steps(1, 5, 1).toFloatArray(), steps(1, 5, 1).neg().toFloatArray());
            assertEquals(6, cache.length());
            // the first five steps as bfloat16 rounded them (e.g. 100.2 -> 100.0), the sixth exact
            float[] rounded = LibtorchOps.float32Values(LibtorchOps.toBfloat16(steps(1, 0, 5)));
            NDArray keys = cache.keys(0);
            assertArrayEquals(rounded, keys.get(":, :, :5").toFloatArray());
            assertArrayEquals(steps(1, 5, 1).toFloatArray(), keys.get(":, :, 5:").toFloatArray());
            assertEquals(100f, keys.getFloat(0, 1, 0, 2), "head 1, step 0, element 2: 100.2 in bfloat16");
        }
    }
}
