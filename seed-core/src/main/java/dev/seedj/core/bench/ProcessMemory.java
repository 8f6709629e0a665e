package dev.seedj.core.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident memory as Linux reports it in {@code /proc/self/status}: {@code VmRSS} (now)
 * and {@code VmHWM} (the peak so far), both including the JVM, libtorch and every native array; and the
 * machine's load average, which tells whether other work competed for the cores during a benchmark.
 *
 * <p>Stateless and thread-safe.
 */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path LOADAVG = Path.of("/proc/loadavg");

    private ProcessMemory() {}

    /** @return whether the figures are available (Linux) */
    public static boolean available() {
        return Files.isReadable(STATUS);
    }

    /** @return the current resident set size in bytes */
    public static long residentBytes() {
        return field("VmRSS:");
    }

    /** @return the peak resident set size so far in bytes */
    public static long peakResidentBytes() {
        return field("VmHWM:");
    }

    /** @return resident bytes of anonymous memory (the heap, native arrays): private to this process */
    public static long residentAnonymousBytes() {
        return field("RssAnon:");
    }

    /** @return resident bytes of mapped files (memory-mapped weights): page cache other processes can share */
    public static long residentFileBytes() {
        return field("RssFile:");
    }

    /**
     * Resets the peak ({@code VmHWM}) to the current resident size ({@code echo 5 > /proc/self/clear_refs}), so that
     * a later {@link #peakResidentBytes()} measures only what follows.
     *
     * @return whether the kernel accepted the reset
     */
    public static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** @return the machine's 1-minute load average ({@code /proc/loadavg}), or -1 if unavailable */
    public static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(LOADAVG).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    return 1024L * Long.parseLong(line.replaceAll("[^0-9]", "")); // reported in kB
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STATUS, e);
        }
        throw new IllegalStateException("no " + name + " line in " + STATUS);
    }
}
