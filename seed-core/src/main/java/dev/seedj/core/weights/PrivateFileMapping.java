package dev.seedj.core.weights;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Private, copy-on-write memory mappings of a read-only file ({@code mmap(PROT_READ | PROT_WRITE, MAP_PRIVATE)} on a
 * descriptor opened read-only), which Java's {@code FileChannel.map} refuses ({@code MapMode.PRIVATE} needs a
 * channel open for writing). Pages are the file's page cache until written; a write copies the page into this
 * process and never reaches the file, so an in-place operation on a weight cannot crash on a read-only page.
 *
 * <p>Each mapping is released ({@code munmap}) once its buffer is unreachable, like a {@code MappedByteBuffer}.
 * Through JNA (which DJL brings) on Linux; elsewhere {@link #available()} is false and callers copy instead.
 *
 * <p>Thread-safe.
 */
final class PrivateFileMapping {
    private static final int O_RDONLY = 0;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 2;
    private static final int SC_PAGESIZE = 30;
    private static final int MADV_DONTNEED = 4;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final LibC LIBC = load();
    private static final long PAGE = LIBC == null ? 0 : LIBC.sysconf(SC_PAGESIZE);

    /** The C library functions used here. */
    interface LibC extends Library {
        int open(String path, int flags);

        int close(int fd);

        Pointer mmap(Pointer address, long length, int protection, int flags, int fd, long offset);

        int munmap(Pointer address, long length);

        int madvise(Pointer address, long length, int advice);

        long sysconf(int name);
    }

    private PrivateFileMapping() {}

    /** @return whether private mappings can be made here (Linux with JNA) */
    static boolean available() {
        return LIBC != null && PAGE > 0;
    }

    /**
     * @param file the file
     * @param position first byte to map
     * @param length bytes to map, positive
     * @return a little-endian direct buffer of exactly those bytes, unmapped when it becomes unreachable
     * @throws CheckpointException if the file cannot be opened or mapped
     */
    static ByteBuffer map(Path file, long position, int length) {
        long start = position - position % PAGE; // mmap offsets are page-aligned
        long span = position - start + length;
        int fd = LIBC.open(file.toString(), O_RDONLY);
        if (fd < 0) {
            throw new CheckpointException(file + ": cannot open for mapping (errno " + Native.getLastError() + ")");
        }
        Pointer base;
        try {
            base = LIBC.mmap(null, span, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, start);
        } finally {
            LIBC.close(fd); // a mapping does not need its descriptor
        }
        if (base == null || Pointer.nativeValue(base) == -1L) {
            throw new CheckpointException(file + ": cannot map " + length + " bytes at " + position + " (errno "
                    + Native.getLastError() + ")");
        }
        ByteBuffer buffer = base.getByteBuffer(position - start, length).order(ByteOrder.LITTLE_ENDIAN);
        long address = Pointer.nativeValue(base);
        CLEANER.register(buffer, () -> LIBC.munmap(new Pointer(address), span));
        return buffer;
    }

    /**
     * Drops the resident pages of a mapping whose bytes were read once and are not needed in memory any more (a
     * tensor converted to another type): the process's resident memory shrinks now rather than when the garbage
     * collector unmaps the buffer. Safe if the buffer is read again: the untouched pages of a private mapping are
     * read again from the file (pages written since the mapping was made would be lost, so only call this on a
     * mapping nothing wrote to).
     *
     * @param mapped a buffer returned by {@link #map}
     */
    static void dropPages(ByteBuffer mapped) {
        long address = Pointer.nativeValue(Native.getDirectBufferPointer(mapped));
        long start = address - address % PAGE;
        LIBC.madvise(new Pointer(start), address + mapped.capacity() - start, MADV_DONTNEED); // advice only
    }

    private static LibC load() {
        if (!Platform.isLinux()) {
            return null;
        }
        try {
            return Native.load(Platform.C_LIBRARY_NAME, LibC.class);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null;
        }
    }
}
