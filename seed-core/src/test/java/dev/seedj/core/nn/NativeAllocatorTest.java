package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.seedj.core.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 2, as revised in session 6: the allocator is configured from Java; freed activations are kept in
 * the heap and reused by the next batch instead of being mapped afresh, and {@link NativeAllocator#trim()} returns
 * them to the system.
 */
class NativeAllocatorTest {
    @Test
    void freedActivationsAreReusedAndTrimReturnsThem() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "Linux only");
        assumeTrue(System.getenv("MALLOC_MMAP_THRESHOLD_") == null, "the environment tunes the allocator itself");
        assumeTrue(System.getProperty(NativeAllocator.MMAP_THRESHOLD_PROPERTY) == null, "a threshold is set");
        ChildJvm.Result child = ChildJvm.run(FreedBlocksChild.class);
        assertEquals(0, child.exitCode(), child.output());
        assertTrue(child.output().contains("OK"), child.output());
    }

    @Test
    void aBadThresholdPropertyIsNamed() {
        String old = System.getProperty(NativeAllocator.MMAP_THRESHOLD_PROPERTY);
        try {
            System.setProperty(NativeAllocator.MMAP_THRESHOLD_PROPERTY, "64m");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, NativeAllocator::mmapThreshold);
            assertTrue(e.getMessage().contains("seedj.malloc.mmap_threshold=64m"), e.getMessage());
            System.setProperty(NativeAllocator.MMAP_THRESHOLD_PROPERTY, "131072");
            assertEquals(131072, NativeAllocator.mmapThreshold());
        } finally {
            if (old == null) {
                System.clearProperty(NativeAllocator.MMAP_THRESHOLD_PROPERTY);
            } else {
                System.setProperty(NativeAllocator.MMAP_THRESHOLD_PROPERTY, old);
            }
        }
    }
}
