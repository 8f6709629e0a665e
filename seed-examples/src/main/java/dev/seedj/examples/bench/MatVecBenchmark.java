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
import dev.seedj.core.nn.MatVec;
import dev.seedj.core.weights.LibtorchOps;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The matrix-vector product of one decoding step alone: one float32 row times a [8192, 2048] matrix (OPT-1.3b's MLP
 * shape) in float32, bfloat16 and int8, through {@link MatVec} (the Java Vector API kernel, when the JVM has
 * {@code jdk.incubator.vector}) and through libtorch ({@code linear}; bfloat16 with the row rounded to bfloat16;
 * int8 with {@code _weight_int8pack_mm}), each as the rate at which it reads the matrix. A libtorch matrix product
 * between two measured products ("after libtorch") shows what libtorch's OpenMP threads, which spin for a while after
 * each parallel operation, cost the kernel's second thread, as between the layers of a model. Beside them: the
 * machine's float32 matrix-multiply rate, its copy bandwidth (every core) and the load average.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp ... dev.seedj.examples.bench.MatVecBenchmark [repeats]}
 * (default 300).
 *
 * <p>Not thread-safe: one benchmark per process, with nothing else computing.
 */
public final class MatVecBenchmark {
    private static final int OUT = 8192;
    private static final int IN = 2048;

    /** One weight type: its matrix, bytes per element, per-row scales (int8 only) and libtorch's product. */
    private record Case(String name, NDArray weight, int elementBytes, NDArray scales, Supplier<NDArray> libtorch) {}

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
            NDArray other = manager.randomNormal(new Shape(64, 768));
            List<Case> cases = List.of(
                    new Case("float32", f32, 4, null, () -> ai.djl.nn.core.Linear.linear(x, f32).singletonOrThrow()),
                    new Case("bfloat16", bf16, 2, null, () -> bfloat16Linear(x, bf16)),
                    new Case("int8", int8, 1, scales, () -> LibtorchOps.int8MatMul(x, int8, scales)));
            for (Case c : cases) {
                long bytes = (long) c.elementBytes() * OUT * IN;
                NDArray w = c.weight();
                NDArray s = c.scales();
                String kernel = MatVec.available() ? gbs(bytes, repeats, manager, null, () -> MatVec.multiply(x, w, s,
                        null)) : "-";
                String kernelAfter = MatVec.available() ? gbs(bytes, repeats, manager, other, () -> MatVec.multiply(x,
                        w, s, null)) : "-";
                rows.add(format("| %s | %d MB | %s | %s | %s |%n", c.name(), bytes >> 20, kernel, kernelAfter,
                        gbs(bytes, repeats, manager, null, c.libtorch())));
            }
        }
        StringBuilder out = new StringBuilder(format("[%d, %d] matrix times one row, %d repeats; load average %.1f"
                + " before, %.1f after; fp32 matmul 1024^3 %.1f GFLOP/s; copy bandwidth (%d threads, read + write) %.1f"
                + " GB/s%n%n", OUT, IN, repeats, loadBefore, ProcessMemory.loadAverage(), matmul, cores, copy));
        out.append("| weights | matrix | MatVec | MatVec, after libtorch | libtorch |\n| --- | --- | --- | --- | --- |\n");
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
     *     warm-up calls; with {@code other}, a libtorch product of it with itself runs before each call, untimed
     */
    private static String gbs(long bytes, int repeats, NDManager manager, NDArray other, Supplier<NDArray> product) {
        long nanos = 0;
        for (int i = 0; i < 2 * repeats; i++) {
            try (NDManager scope = manager.newSubManager()) {
                if (other != null) {
                    other.matMul(other.transpose()).attach(scope);
                }
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
