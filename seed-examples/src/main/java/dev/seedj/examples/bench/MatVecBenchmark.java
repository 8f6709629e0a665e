package dev.seedj.examples.bench;

import static dev.seedj.examples.bench.MarkdownRows.format;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.bench.CopyBandwidth;
import dev.seedj.core.bench.MatmulThroughput;
import dev.seedj.core.bench.ProcessMemory;
import dev.seedj.core.nn.DecodeThreads;
import dev.seedj.core.nn.KernelMatrix;
import dev.seedj.core.nn.MatVec;
import dev.seedj.core.weights.LibtorchOps;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The matrix-vector product of one decoding step alone: one float32 row times [3072, 768] and [8192, 2048] matrices
 * (OPT-125m's and OPT-1.3b's first MLP layers) in float32, bfloat16 and int8, through {@link MatVec}'s kernel (the
 * native one by default, the Vector API's with {@code -Dseedj.matvec=vector}; a {@link KernelMatrix} view made once
 * per matrix, as a model's layers keep theirs) on one thread and on every core ({@link DecodeThreads#streaming}), and
 * through libtorch ({@code linear}; bfloat16 with the row rounded to bfloat16; int8 with {@code _weight_int8pack_mm}),
 * each as the rate at which it reads the matrices. Each type cycles through copies of its matrix totalling
 * {@value #CYCLE_BYTES} bytes, so that, as in a model, no product finds its matrix in the cache (more than the 480 MB
 * last-level cache a Xeon host reports). Beside them: the machine's float32 matrix-multiply rate, its copy bandwidth
 * (every core) and the load average.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp ... dev.seedj.examples.bench.MatVecBenchmark [repeats]}
 * (default 300).
 *
 * <p>Not thread-safe: one benchmark per process, with nothing else computing.
 */
public final class MatVecBenchmark {
    /** [rows, columns] of the matrices measured. */
    private static final int[][] SHAPES = {{3072, 768}, {8192, 2048}};
    /** The shortest warm-up of each measurement, so that the JIT has compiled the kernel on every thread. */
    private static final long WARM_UP_NANOS = 2_000_000_000L;
    private static final long CYCLE_BYTES = 1L << 30;

    /** One weight type: its matrix, bytes per element, per-row scales (int8 only) and libtorch's product. */
    private record Case(String name, NDArray weight, int elementBytes, NDArray scales,
            BiFunction<NDArray, NDArray, NDArray> libtorch) {}

    private MatVecBenchmark() {}

    /**
     * Prints the report as a Markdown table.
     *
     * @param args {@code [repeats]}
     */
    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        LibtorchThreads.defaultToAllCores();
        double loadBefore = ProcessMemory.loadAverage();
        int cores = Runtime.getRuntime().availableProcessors();
        double copy = CopyBandwidth.gbs(512L << 20, cores);
        double matmul = MatmulThroughput.gflops(1024, 5, 10, Device.cpu());
        List<String> rows = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            for (int[] shape : SHAPES) {
                measure(shape[0], shape[1], repeats, manager, rows);
            }
        }
        StringBuilder report = new StringBuilder(format("A matrix times one row, %d repeats; MatVec kernel %s; load"
                + " average %.1f before, %.1f after; fp32 matmul 1024^3 %.1f GFLOP/s; copy bandwidth (%d threads, read"
                + " + write) %.1f GB/s%n%n",
                repeats, MatVec.kernelName(), loadBefore, ProcessMemory.loadAverage(), matmul, cores, copy));
        report.append("| shape | weights | matrices | MatVec, one thread | MatVec, every core | libtorch |\n"
                + "| --- | --- | --- | --- | --- | --- |\n");
        rows.forEach(report::append);
        System.out.print(report);
    }

    /** Adds a row for each weight type at [out, in] to {@code rows}; the matrices are freed before it returns. */
    private static void measure(int out, int in, int repeats, NDManager parent, List<String> rows) {
        try (NDManager manager = parent.newSubManager()) {
            NDArray x = manager.randomNormal(new Shape(1, in));
            NDArray f32 = manager.randomNormal(new Shape(out, in));
            NDArray bf16 = LibtorchOps.toBfloat16(f32);
            NDArray int8 = manager.randomInteger(-127, 128, new Shape(out, in), DataType.INT8);
            NDArray scales = manager.ones(new Shape(out)).mul(0.01f);
            List<Case> cases = List.of(
                    new Case("float32", f32, 4, null, (w, sc) -> ai.djl.nn.core.Linear.linear(x, w).singletonOrThrow()),
                    new Case("bfloat16", bf16, 2, null, (w, sc) -> bfloat16Linear(x, w)),
                    new Case("int8", int8, 1, scales, (w, sc) -> LibtorchOps.int8MatMul(x, w, sc)));
            for (Case c : cases) {
                long bytes = (long) c.elementBytes() * out * in;
                NDArray[] copies = new NDArray[(int) (CYCLE_BYTES / bytes)];
                for (int i = 0; i < copies.length; i++) {
                    copies[i] = c.weight().duplicate();
                }
                String oneThread = "-";
                String everyCore = "-";
                if (MatVec.available()) {
                    // one view per matrix, made before timing, as a model's layers keep theirs
                    KernelMatrix[] views = new KernelMatrix[copies.length];
                    for (int i = 0; i < copies.length; i++) {
                        views[i] = KernelMatrix.of(copies[i], c.scales(), null);
                    }
                    float[] row = x.toFloatArray();
                    int[] next = {0};
                    Runnable kernel = () -> views[next[0]++ % views.length].multiply(row);
                    oneThread = rate(bytes, repeats, kernel);
                    // every repeat inside one streaming section, as a decoding step runs its products
                    everyCore = DecodeThreads.streaming(() -> rate(bytes, repeats, kernel));
                }
                int[] next = {0};
                String libtorch = rate(bytes, repeats, () -> {
                    try (NDManager scope = manager.newSubManager()) {
                        NDArray y = c.libtorch().apply(copies[next[0]++ % copies.length], c.scales());
                        y.attach(scope);
                        y.toByteBuffer(); // reads the result
                    }
                });
                rows.add(format("| [%d, %d] | %s | %d x %d MB | %s | %s | %s |%n", out, in, c.name(), copies.length,
                        bytes >> 20, oneThread, everyCore, libtorch));
                for (NDArray matrix : copies) {
                    matrix.close();
                }
            }
        }
    }

    /** libtorch's bfloat16 product as {@code Linear} computes it: the row rounded to bfloat16, a bfloat16 result. */
    private static NDArray bfloat16Linear(NDArray x, NDArray w) {
        NDArray x16 = LibtorchOps.toBfloat16(x);
        NDArray y = ai.djl.nn.core.Linear.linear(x16, w).singletonOrThrow();
        x16.close();
        return y;
    }

    /**
     * @return the matrix bytes read per second by {@code product}, as text, over {@code repeats} calls after a warm-up
     *     of as many calls and at least {@value #WARM_UP_NANOS} ns (100 calls of a 0.2 ms product left the kernel's
     *     worker threads running code not yet compiled: 11 GB/s on every core where 17-21 GB/s followed)
     */
    private static String rate(long bytes, int repeats, Runnable product) {
        long warmUp = System.nanoTime();
        for (int i = 0; i < repeats || System.nanoTime() - warmUp < WARM_UP_NANOS; i++) {
            product.run();
        }
        long start = System.nanoTime();
        for (int i = 0; i < repeats; i++) {
            product.run();
        }
        long nanos = System.nanoTime() - start;
        return format("%.1f GB/s (%.2f ms)", bytes * (double) repeats / nanos, nanos / 1e6 / repeats);
    }
}
