package dev.seedj.examples.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident memory as Linux reports it in {@code /proc/self/status}: {@code VmRSS} (now)
 * and {@code VmHWM} (the peak so far). Both include the JVM, libtorch and every native array.
 *
 * <p>Stateless and thread-safe.
 */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

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
