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
import dev.seedj.core.nn.MatVec;
import dev.seedj.core.weights.LibtorchOps;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * The matrix-vector product of one decoding step alone: one float32 row times [8192, 2048] matrices (OPT-1.3b's MLP
 * shape) in float32, bfloat16 and int8, through {@link MatVec} (the Java Vector API kernel, when the JVM has
 * {@code jdk.incubator.vector}) on one thread and on every core ({@link DecodeThreads#streaming}), and through libtorch
 * ({@code linear}; bfloat16 with the row rounded to bfloat16; int8 with {@code _weight_int8pack_mm}), each as the rate
 * at which it reads the matrices. Each type cycles through copies of its matrix totalling {@value #CYCLE_BYTES}
 * bytes, so that, as in a model, no product finds its matrix in the cache. Beside them: the machine's float32
 * matrix-multiply rate, its copy bandwidth (every core) and the load average.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp ... dev.seedj.examples.bench.MatVecBenchmark [repeats]}
 * (default 300).
 *
 * <p>Not thread-safe: one benchmark per process, with nothing else computing.
 */
public final class MatVecBenchmark {
    private static final int OUT = 8192;
    private static final int IN = 2048;
    private static final long CYCLE_BYTES = 256L << 20;

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
            NDArray x = manager.randomNormal(new Shape(1, IN));
            NDArray f32 = manager.randomNormal(new Shape(OUT, IN));
            NDArray bf16 = LibtorchOps.toBfloat16(f32);
            NDArray int8 = manager.randomInteger(-127, 128, new Shape(OUT, IN), DataType.INT8);
            NDArray scales = manager.ones(new Shape(OUT)).mul(0.01f);
            List<Case> cases = List.of(
                    new Case("float32", f32, 4, null, (w, sc) -> ai.djl.nn.core.Linear.linear(x, w).singletonOrThrow()),
                    new Case("bfloat16", bf16, 2, null, (w, sc) -> bfloat16Linear(x, w)),
                    new Case("int8", int8, 1, scales, (w, sc) -> LibtorchOps.int8MatMul(x, w, sc)));
            for (Case c : cases) {
                long bytes = (long) c.elementBytes() * OUT * IN;
                NDArray[] copies = new NDArray[(int) (CYCLE_BYTES / bytes)];
                for (int i = 0; i < copies.length; i++) {
                    copies[i] = c.weight().duplicate();
                }
                NDArray s = c.scales();
                int[] next = {0};
                Supplier<NDArray> cycle = () -> copies[next[0]++ % copies.length];
                String oneThread = MatVec.available() ? gbs(bytes, repeats, manager, () -> MatVec.multiply(x,
                        cycle.get(), s, null)) : "-";
                String everyCore = MatVec.available() ? gbs(bytes, repeats, manager, () -> DecodeThreads.streaming(
                        () -> MatVec.multiply(x, cycle.get(), s, null))) : "-";
                rows.add(format("| %s | %d x %d MB | %s | %s | %s |%n", c.name(), copies.length, bytes >> 20,
                        oneThread, everyCore, gbs(bytes, repeats, manager, () -> c.libtorch().apply(cycle.get(), s))));
                for (NDArray matrix : copies) {
                    matrix.close();
                }
            }
        }
        StringBuilder out = new StringBuilder(format("[%d, %d] matrix times one row, %d repeats; load average %.1f"
                + " before, %.1f after; fp32 matmul 1024^3 %.1f GFLOP/s; copy bandwidth (%d threads, read + write) %.1f"
                + " GB/s%n%n", OUT, IN, repeats, loadBefore, ProcessMemory.loadAverage(), matmul, cores, copy));
        out.append("| weights | matrices | MatVec, one thread | MatVec, every core | libtorch |\n"
                + "| --- | --- | --- | --- | --- |\n");
        rows.forEach(out::append);
        System.out.print(out);
    }

    /** libtorch's bfloat16 product as {@code Linear} computes it: the row rounded to bfloat16, a bfloat16 result. */
    private static NDArray bfloat16Linear(NDArray x, NDArray w) {
        NDArray x16 = LibtorchOps.toBfloat16(x);
        NDArray y = ai.djl.nn.core.Linear.linear(x16, w).singletonOrThrow();
        x16.close();
        return y;
    }

    /**
     * @return the matrix bytes read per second by {@code product}, as text, over {@code repeats} calls after as many
     *     warm-up calls
     */
    private static String gbs(long bytes, int repeats, NDManager manager, Supplier<NDArray> product) {
        long nanos = 0;
        for (int i = 0; i < 2 * repeats; i++) {
            try (NDManager scope = manager.newSubManager()) {
                long start = System.nanoTime();
                NDArray y = product.get();
                y.attach(scope);
                y.toByteBuffer(); // reads the result
                if (i >= repeats) {
                    nanos += System.nanoTime() - start;
                }
            }
        }
        return format("%.1f GB/s (%.2f ms)", bytes * (double) repeats / nanos, nanos / 1e6 / repeats);
    }
}
