package dev.seedj.core.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The machine's float32 matrix-multiply throughput through the same engine the models use: the best of
 * several timed rounds of {@code n x n x n} products (2 n^3 floating-point operations each).
 *
 * <p>Stateless and thread-safe.
 */
public final class MatmulThroughput {
    private MatmulThroughput() {}

    /**
     * @param n matrix side (1024 for the reported figure)
     * @param rounds timed rounds; the best is kept
     * @param productsPerRound products per round
     * @param device where to multiply
     * @return GFLOP/s
     */
    public static double gflops(int n, int rounds, int productsPerRound, Device device) {
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDArray a = manager.randomNormal(new Shape(n, n));
            NDArray b = manager.randomNormal(new Shape(n, n));
            for (int i = 0; i < 3; i++) {
                multiply(a, b, manager);
            }
            double best = Double.MAX_VALUE;
            for (int r = 0; r < rounds; r++) {
                long start = System.nanoTime();
                for (int i = 0; i < productsPerRound; i++) {
                    multiply(a, b, manager);
                }
                best = Math.min(best, (System.nanoTime() - start) / 1e9 / productsPerRound);
            }
            return 2.0 * n * n * (double) n / best / 1e9;
        }
    }

    private static void multiply(NDArray a, NDArray b, NDManager manager) {
        try (NDManager product = manager.newSubManager()) {
            NDArray c = a.matMul(b);
            c.attach(product);
            c.getFloat(0, 0); // wait for the result
        }
    }
}
