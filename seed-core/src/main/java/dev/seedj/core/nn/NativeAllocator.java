package dev.seedj.core.nn;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets the C library's allocator, from Java, for libtorch's tensors: a fixed mmap threshold, a capped number of
 * arenas, and a trimmed heap, without an environment variable.
 *
 * <p>libtorch allocates every CPU tensor with {@code posix_memalign}. glibc serves a request above its mmap
 * threshold with a fresh mapping that {@code free} unmaps at once, and otherwise from heap arenas, which keep freed
 * pages resident for reuse; by default it raises the threshold to the size of the largest block freed so far (up to
 * 32 MiB), and every libtorch worker thread may get an arena of its own. The threshold trades memory for speed: at
 * 128 KiB every activation is mapped afresh and released at once (peak 1.31 x the weights at a ViT-B batch of 8,
 * against 1.45 x), but each of its pages then faults again, which on a 2-core KVM guest (AMD Zen 5) made ViT-B
 * encoding 2.5 times slower (0.56 against 1.41 images/s) and a SEED-mini training step 7 times slower.
 * {@link #configure()} therefore fixes the threshold at {@value #DEFAULT_MMAP_THRESHOLD} bytes (glibc's maximum on
 * 64-bit: activations are reused from the heap) unless the system property {@value #MMAP_THRESHOLD_PROPERTY} gives
 * another number of bytes (131072 for the lowest resident memory), caps the arenas at one per two cores
 * ({@code MALLOC_ARENA_MAX}), and trims the heap. It is called when the first {@link SeedBlock} is created; calling it
 * again does nothing. {@link #trim()} returns freed heap pages later, e.g. after a large batch.
 *
 * <p>Only glibc on Linux is tuned (through JNA, which DJL brings); elsewhere, when the environment already sets
 * {@code MALLOC_MMAP_THRESHOLD_} or {@code MALLOC_ARENA_MAX}, or with {@code -Dseedj.malloc.tune=false}, nothing is
 * changed.
 *
 * <p>Thread-safe.
 */
public final class NativeAllocator {
    /** System property that disables the tuning when set to {@code false}. */
    public static final String PROPERTY = "seedj.malloc.tune";
    /** System property: the mmap threshold in bytes, instead of {@value #DEFAULT_MMAP_THRESHOLD}. */
    public static final String MMAP_THRESHOLD_PROPERTY = "seedj.malloc.mmap_threshold";
    /** Requests of at least this many bytes are mapped and unmapped individually, by default. */
    static final int DEFAULT_MMAP_THRESHOLD = 32 * 1024 * 1024;
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_MMAP_THRESHOLD = -3;
    private static final int M_ARENA_MAX = -8;
    private static final Logger LOG = LoggerFactory.getLogger(NativeAllocator.class);
    private static final AtomicBoolean DONE = new AtomicBoolean();
    private static volatile boolean tuned;

    /** The glibc functions used here. */
    interface GlibC extends Library {
        int mallopt(int param, int value);

        int malloc_trim(long pad);

        String gnu_get_libc_version();
    }

    private NativeAllocator() {}

    /**
     * Configures the allocator once per process (see the class description).
     *
     * @return whether the allocator is tuned (by this call or an earlier one)
     */
    public static boolean configure() {
        if (DONE.compareAndSet(false, true)) {
            tuned = tune();
        }
        return tuned;
    }

    /**
     * Returns the free memory at the top of the heap and in every arena to the system ({@code malloc_trim(0)}), e.g.
     * after a model is loaded or a large batch is done.
     *
     * @return whether any memory was released (false where glibc is not available)
     */
    public static boolean trim() {
        GlibC libc = Holder.LIBC;
        return libc != null && libc.malloc_trim(0) == 1;
    }

    private static boolean tune() {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))
                || System.getenv("MALLOC_MMAP_THRESHOLD_") != null || System.getenv("MALLOC_ARENA_MAX") != null) {
            return false;
        }
        GlibC libc = Holder.LIBC;
        if (libc == null) {
            return false;
        }
        int threshold = mmapThreshold();
        int arenas = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        boolean ok = libc.mallopt(M_MMAP_THRESHOLD, threshold) == 1
                && libc.mallopt(M_TRIM_THRESHOLD, 2 * threshold) == 1
                && libc.mallopt(M_ARENA_MAX, arenas) == 1;
        libc.malloc_trim(0);
        LOG.debug("glibc {}: mmap threshold {} bytes, at most {} arenas: {}", libc.gnu_get_libc_version(),
                threshold, arenas, ok ? "set" : "refused");
        return ok;
    }

    /**
     * @return the threshold the system property asks for, or the default
     * @throws IllegalArgumentException if the property is not a number of bytes from 0 to the default
     */
    static int mmapThreshold() {
        String value = System.getProperty(MMAP_THRESHOLD_PROPERTY);
        if (value == null) {
            return DEFAULT_MMAP_THRESHOLD;
        }
        try {
            int bytes = Integer.parseInt(value.trim());
            if (bytes >= 0 && bytes <= DEFAULT_MMAP_THRESHOLD) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + MMAP_THRESHOLD_PROPERTY + "=" + value + ": expected a number of bytes"
                + " from 0 to " + DEFAULT_MMAP_THRESHOLD + " (glibc's largest mmap threshold)");
    }

    /** Loads the C library lazily, only where it is glibc. */
    private static final class Holder {
        static final GlibC LIBC = load();

        private static GlibC load() {
            if (!Platform.isLinux()) {
                return null;
            }
            try {
                GlibC libc = Native.load(Platform.C_LIBRARY_NAME, GlibC.class);
                libc.gnu_get_libc_version(); // absent from musl and other C libraries
                return libc;
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                return null;
            }
        }
    }
}
