package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link NativeAllocatorTest}: allocates and frees three batches of 240 MB of 6 MB tensors with the
 * allocator configured by {@link NativeAllocator}, checks the process's resident memory after each, prints
 * {@code OK} and exits 0; a failed check ends it with the assertion's message and a non-zero exit code.
 *
 * <p>It runs alone because it measures the whole process: inside the test JVM, memory that other tests or the JIT
 * free while it runs lands in the freed holes its tensors then reuse, and the batch seems to add less than it does.
 */
public final class FreedBlocksChild {
    private static final long MB = 1 << 20;

    private FreedBlocksChild() {}

    /**
     * @param args none
     * @throws IOException if {@code /proc/self/status} cannot be read
     */
    public static void main(String[] args) throws IOException {
        assertTrue(NativeAllocator.configure(), "glibc should be tuned on Linux");
        try (NDManager manager = NDManager.newBaseManager()) {
            NativeAllocator.trim(); // blocks freed before (loading libtorch) would be reused and not counted
            long before = residentBytes();
            long[] kept = new long[3];
            for (int batch = 0; batch < kept.length; batch++) {
                List<NDArray> activations = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    activations.add(manager.ones(new Shape(6 * MB / 4))); // 240 MB, written: resident
                }
                activations.forEach(NDArray::close);
                kept[batch] = residentBytes() - before;
            }
            // with a 128 KiB threshold each 6 MB block would be unmapped when freed (and fault again when reused)
            assertTrue(kept[0] > 200 * MB, "freed blocks kept for reuse: " + kept[0] / MB + " MB");
            // without reuse two more batches would add 480 MB; small native allocations made between batches land
            // in the freed holes and push a few blocks past them
            assertTrue(kept[2] - kept[0] < 120 * MB, "grew from " + kept[0] / MB + " to " + kept[2] / MB + " MB");
            assertTrue(NativeAllocator.trim(), "trim released nothing");
            long after = residentBytes();
            assertTrue(after - before < 40 * MB, "still resident after trim: " + (after - before) / MB + " MB");
        }
        System.out.println("OK");
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return 1024L * Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }
}
