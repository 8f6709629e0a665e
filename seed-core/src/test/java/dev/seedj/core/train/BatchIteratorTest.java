package dev.seedj.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class BatchIteratorTest {

    private static BatchIterator<Integer> iterator(long seed) {
        return new BatchIterator<>(10, i -> i, 3, seed, true);
    }

    @Test
    void everyEpochIsAShuffledPermutationWithoutTheLastPartialBatch() {
        BatchIterator<Integer> it = iterator(5);
        assertEquals(3, it.batchesPerEpoch());
        List<Integer> epoch0 = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
            epoch0.addAll(it.next());
        }
        Set<Integer> distinct = new TreeSet<>(epoch0);
        assertEquals(9, distinct.size()); // 9 distinct examples: one of the 10 is in the dropped partial batch
        assertEquals(new DataPosition(0, 9), it.position());
        List<Integer> firstOfEpoch1 = it.next();
        assertEquals(new DataPosition(1, 3), it.position());
        int[] order0 = it.orderOf(0);
        int[] order1 = it.orderOf(1);
        assertEquals(List.of(order1[0], order1[1], order1[2]), firstOfEpoch1);
        assertNotEquals(java.util.Arrays.toString(order0), java.util.Arrays.toString(order1));
        assertNotEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8), epoch0);
    }

    @Test
    void sameSeedSameOrderAndSeekResumes() {
        BatchIterator<Integer> a = iterator(42);
        BatchIterator<Integer> b = iterator(42);
        for (int i = 0; i < 4; i++) {
            assertEquals(a.next(), b.next());
        }
        DataPosition saved = a.position();
        List<List<Integer>> expected = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            expected.add(a.next());
        }
        BatchIterator<Integer> resumed = iterator(42);
        resumed.seek(saved);
        for (int i = 0; i < 7; i++) {
            assertEquals(expected.get(i), resumed.next(), "batch " + i + " after resuming");
        }
        assertNotEquals(iterator(1).next(), iterator(2).next());
    }

    @Test
    void unshuffledIsInIndexOrder() {
        BatchIterator<Integer> it = new BatchIterator<>(5, i -> i, 2, 0, false);
        assertEquals(List.of(0, 1), it.next());
        assertEquals(List.of(2, 3), it.next());
        assertEquals(List.of(0, 1), it.next());
    }

    @Test
    void rejectsBadSizesAndPositions() {
        assertThrows(IllegalArgumentException.class, () -> new BatchIterator<>(2, i -> i, 3, 0, true));
        assertThrows(IllegalArgumentException.class, () -> iterator(0).seek(new DataPosition(0, 11)));
    }
}
