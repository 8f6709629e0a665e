package dev.seedj.diffusion.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;

/**
 * Standard normal draws from {@link Random#nextGaussian()} with a fixed seed, row-major: the same numbers on every
 * JVM, operating system and device (not PyTorch's generator).
 *
 * <p>Not thread-safe: one sampling run at a time.
 */
final class GaussianNoise {
    private final Random random;

    /**
     * @param seed the seed
     */
    GaussianNoise(long seed) {
        this.random = new Random(seed);
    }

    /**
     * @param shape the shape to fill
     * @param manager owns the result
     * @return float32 N(0, 1) samples
     */
    NDArray draw(Shape shape, NDManager manager) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, shape);
    }
}
