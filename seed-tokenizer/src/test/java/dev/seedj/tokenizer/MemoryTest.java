package dev.seedj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acceptance 6: 2,000 {@code tokenize} calls do not grow the process's resident memory by more than 5%
 * after warm-up (every call's arrays are freed with its sub-manager).
 */
class MemoryTest {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryTest.class);
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final int WARM_UP = 500;

    @Test
    void twoThousandTokenizeCallsDoNotGrowResidentMemory() throws IOException {
        assumeTrue(Files.isReadable(STATUS), "needs Linux /proc/self/status");
        List<BufferedImage> images = BatchingAndConcurrencyTest.randomImages(new Random(11), 4);
        try (SeedTokenizer tokenizer = TinyModels.load("v1-tiny", "weights.safetensors")) {
            int[] first = tokenizer.tokenize(images.get(0));
            // warm-up: JIT compilation, libtorch's allocator caches and the JVM's young generation reach
            // their working size in the first few hundred calls
            for (int i = 0; i < WARM_UP; i++) {
                tokenizer.tokenize(images.get(i % images.size()));
            }
            long before = residentKb(tokenizer, images);
            for (int i = 0; i < 2000; i++) {
                tokenizer.tokenize(images.get(i % images.size()));
            }
            long after = residentKb(tokenizer, images);
            double growth = (after - before) / (double) before;
            LOG.info("resident memory after warm-up {} kB, after 2000 more tokenize calls {} kB: {}%", before, after,
                    String.format("%+.2f", 100 * growth));
            assertTrue(growth < 0.05, "resident memory grew by " + 100 * growth + "% (" + before + " -> " + after
                    + " kB)");
            assertArrayEquals(first, tokenizer.tokenize(images.get(0)), "the codes did not change");
        }
    }

    /** The median of three samples a few calls apart, so that a transient spike does not count. */
    private static long residentKb(SeedTokenizer tokenizer, List<BufferedImage> images) throws IOException {
        long[] samples = new long[3];
        for (int s = 0; s < samples.length; s++) {
            for (int i = 0; i < 20; i++) {
                tokenizer.tokenize(images.get(i % images.size()));
            }
            samples[s] = residentKb();
        }
        Arrays.sort(samples);
        return samples[1];
    }

    private static long residentKb() throws IOException {
        for (String line : Files.readAllLines(STATUS)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS line in " + STATUS);
    }
}
