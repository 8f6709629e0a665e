package dev.seedj.core.image;

/**
 * The resampling filters of Pillow's {@code Image.resize} that the SEED reference uses, with Pillow's
 * kernels and support radii ({@code libImaging/Resample.c}).
 *
 * <p>Enum constants are immutable and therefore thread-safe.
 */
public enum ResizeMode {

    /** Pillow {@code BICUBIC}: the cubic convolution kernel with a = -0.5, support 2. */
    BICUBIC(2.0) {
        @Override
        double filter(double x) {
            final double a = -0.5;
            double t = x < 0.0 ? -x : x;
            if (t < 1.0) {
                return ((a + 2.0) * t - (a + 3.0)) * t * t + 1;
            }
            if (t < 2.0) {
                return (((t - 5) * t + 8) * t - 4) * a;
            }
            return 0.0;
        }
    },

    /** Pillow {@code BILINEAR}: the triangle kernel, support 1. */
    BILINEAR(1.0) {
        @Override
        double filter(double x) {
            double t = x < 0.0 ? -x : x;
            return t < 1.0 ? 1.0 - t : 0.0;
        }
    };

    private final double support;

    ResizeMode(double support) {
        this.support = support;
    }

    /**
     * The kernel, written with the same operations in the same order as Pillow's C code so that every
     * coefficient is bit-identical.
     *
     * @param x distance from the sample centre, in filter units
     * @return the kernel weight
     */
    abstract double filter(double x);

    /** @return the kernel radius at scale 1, in source pixels */
    double support() {
        return support;
    }
}
