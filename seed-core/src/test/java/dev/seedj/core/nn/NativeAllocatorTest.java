package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 2: with the allocator configured from Java, the memory of freed tensors goes back to the system,
 * so resident memory follows the live arrays.
 */
class NativeAllocatorTest {
    private static final long MB = 1 << 20;

    @Test
    void freedTensorsLeaveResidentMemory() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "Linux only");
        assumeTrue(System.getenv("MALLOC_MMAP_THRESHOLD_") == null, "the environment tunes the allocator itself");
        assertTrue(NativeAllocator.configure(), "glibc should be tuned on Linux");
        try (NDManager manager = NDManager.newBaseManager()) {
            // a first large free: by default glibc would now serve blocks up to this size from its heap
            manager.zeros(new Shape(8 * MB / 4)).close();
            long before = residentBytes();
            List<NDArray> survivors = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                List<NDArray> live = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    live.add(manager.ones(new Shape(6 * MB / 4))); // 6 MB activations, written: resident
                    survivors.add(manager.ones(new Shape(16 * 1024 / 4))); // small arrays that stay, between them
                }
                long peak = residentBytes();
                assertTrue(peak - before > 200 * MB, "allocated " + (peak - before) / MB + " MB");
                live.forEach(NDArray::close);
            }
            long after = residentBytes();
            assertTrue(after - before < 40 * MB, "still resident after freeing: " + (after - before) / MB + " MB");
            survivors.forEach(NDArray::close);
        }
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
