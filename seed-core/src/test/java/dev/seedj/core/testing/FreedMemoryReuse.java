package dev.seedj.core.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the memory of freed tensors be reused before a backward pass, so that a test sees garbage where
 * autograd would read a constant DJL has already freed (instead of catching it only by chance).
 */
public final class FreedMemoryReuse {
    private FreedMemoryReuse() {}

    /**
     * Collects garbage and allocates 10,000 NaN-filled tensors in {@code scope}, five rounds of 2,000.
     *
     * @param scope owns the new tensors (close it after the backward pass)
     */
    public static void floodWithNaN(NDManager scope) {
        List<NDArray> flood = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            System.gc();
            for (int i = 0; i < 2000; i++) {
                flood.add(scope.create(Float.NaN));
            }
        }
    }
}
