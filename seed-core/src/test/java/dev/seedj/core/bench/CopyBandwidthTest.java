package dev.seedj.core.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CopyBandwidthTest {
    /**
     * With one copying thread per core the measuring thread used to start its clock only when it got a core back,
     * sometimes after the copies had finished: a session's report gave 3752 GB/s. Each thread now times itself.
     */
    @Test
    void ratesArePhysicallyPossibleWhenTheCopiesOccupyEveryCore() {
        int threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < 20; i++) {
            double gbs = CopyBandwidth.gbs(8L << 20, threads);
            assertTrue(gbs > 0.1 && gbs < 1000, "copy bandwidth " + gbs + " GB/s");
        }
    }
}
