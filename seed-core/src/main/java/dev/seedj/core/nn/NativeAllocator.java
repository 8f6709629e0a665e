package dev.seedj.core.nn;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the C library's allocator, from Java, to give the memory of freed tensors back to the system, so that a
 * process's resident memory follows its live arrays without an environment variable.
 *
 * <p>libtorch allocates every CPU tensor with {@code posix_memalign}. glibc serves a request above its mmap
 * threshold with a fresh mapping that {@code free} unmaps at once, but by default raises that threshold to the size
 * of the largest block freed so far (up to 32 MiB): after the first large tensor is freed, activations of 6-25 MB
 * come from the heap arenas, which keep freed pages resident (250 MB at a ViT-B batch of 8), and every libtorch worker
 * thread gets an arena of its own. {@link #configure()} fixes the threshold at 128 KiB (which also stops the dynamic
 * adjustment), as {@code MALLOC_MMAP_THRESHOLD_=131072} would, caps the arenas at one per two cores
 * ({@code MALLOC_ARENA_MAX}), and trims the heap. It is called when the first {@link SeedBlock} is created; calling it
 * again does nothing.
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
    /** Requests of at least this many bytes are mapped and unmapped individually. */
    static final int MMAP_THRESHOLD = 128 * 1024;
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
        int arenas = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        boolean ok = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                && libc.mallopt(M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD) == 1
                && libc.mallopt(M_ARENA_MAX, arenas) == 1;
        libc.malloc_trim(0);
        LOG.debug("glibc {}: mmap threshold {} bytes, at most {} arenas: {}", libc.gnu_get_libc_version(),
                MMAP_THRESHOLD, arenas, ok ? "set" : "refused");
        return ok;
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
