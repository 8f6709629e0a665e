package dev.seedj.core.nn;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * {@link MatVec}'s row kernel in C with AVX-512 ({@code src/main/c/row_kernel.c}, called through JNI): the same dot
 * products as {@code VectorRowKernel}, four rows side by side, each row's elements in one accumulator in the same
 * order whether it is read with others or alone, plus a software prefetch 2 KB ahead of every row, which the
 * Vector API cannot issue. Reading int8 rows costs a conversion per value; with the prefetch they are read at the
 * copy rate (24-25 against 17-20 GB/s on two cores of an Intel Xeon; docs/benchmarks.md). The rows are read in their
 * stored order, so {@link #prepare} returns {@code x} itself.
 *
 * <p>The library is built for Linux x86-64 with the module (gcc, seed-core's {@code pom.xml}) and carried in the jar
 * as {@value #LIBRARY}; it is copied to a temporary file, loaded, and the file deleted. The constructor fails on
 * another platform, without the library, or on a CPU without AVX-512, and {@link MatVec} then uses the Vector API
 * kernel.
 *
 * <p>Every length and offset is checked here before the native code runs: a call that does not fit its arrays and
 * buffer throws {@link IllegalArgumentException} instead of reading outside them.
 *
 * <p>Stateless and thread-safe.
 */
final class NativeRowKernel implements MatVec.RowKernel {
    /** The library's resource name, next to this class. */
    static final String LIBRARY = "libseedjkernel-linux-x86_64.so";
    private static boolean loaded;

    /** @throws UnsupportedOperationException if the library is not there for this platform or the CPU lacks AVX-512 */
    NativeRowKernel() {
        load();
        if (!supported()) {
            throw new UnsupportedOperationException("the CPU has no AVX-512");
        }
    }

    private static synchronized void load() {
        if (loaded) {
            return;
        }
        String os = System.getProperty("os.name");
        String arch = System.getProperty("os.arch");
        if (!"Linux".equals(os) || !"amd64".equals(arch)) {
            throw new UnsupportedOperationException("no native kernel for " + os + " on " + arch);
        }
        try (InputStream in = NativeRowKernel.class.getResourceAsStream(LIBRARY)) {
            if (in == null) {
                throw new UnsupportedOperationException(LIBRARY + " is not on the class path (built without gcc?)");
            }
            Path file = Files.createTempFile("seedj-kernel", ".so");
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toString());
            } finally {
                Files.delete(file); // the loaded library stays mapped
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not unpack " + LIBRARY, e);
        }
        loaded = true;
    }

    @Override
    public float[] prepare(MatVec.Storage storage, float[] x) {
        return x;
    }

    @Override
    public void rows(MatVec.Storage storage, ByteBuffer w, float[] scales, float[] x, float[] y, int from, int to) {
        if (from < 0 || from > to || to > y.length) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") of a result of " + y.length);
        }
        requireMemory(w, (long) to * x.length * storage.bytes);
        if ((storage == MatVec.Storage.INT8) != (scales != null) || scales != null && scales.length < to) {
            throw new IllegalArgumentException(storage + " rows up to " + to + " with "
                    + (scales == null ? "no" : scales.length) + " scales");
        }
        productRows(storage.ordinal(), w, scales, x, y, from, to);
    }

    @Override
    public void combine(ByteBuffer w, float[] c, float[] y) {
        requireMemory(w, (long) c.length * y.length * Float.BYTES);
        combineRows(w, c, y);
    }

    /** Checks that {@code w} is native memory of at least {@code bytes} bytes, read from its start. */
    private static void requireMemory(ByteBuffer w, long bytes) {
        if (!w.isDirect()) {
            throw new IllegalArgumentException("the native kernel reads only direct buffers");
        }
        if (w.capacity() < bytes) {
            throw new IllegalArgumentException("a matrix of " + bytes + " bytes in a buffer of " + w.capacity());
        }
    }

    /** @return whether the CPU (and the OS) run AVX-512 code */
    private static native boolean supported();

    /**
     * {@code y[r] = scale_r * sum_i W[r, i] x[i]} for {@code from <= r < to}.
     *
     * @param storage {@link MatVec.Storage#ordinal()}
     */
    private static native void productRows(int storage, ByteBuffer w, float[] scales, float[] x, float[] y, int from,
            int to);

    /** {@code y += W^T c} for a float32 matrix [c.length, y.length]. */
    private static native void combineRows(ByteBuffer w, float[] c, float[] y);
}
