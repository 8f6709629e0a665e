package dev.seedj.core.image;

/**
 * Pillow's 8-bit resampling ({@code Image.resize(size, filter)}, Pillow 9.4 {@code libImaging/Resample.c}),
 * reproduced bit for bit.
 *
 * <p>The resize is separable: a horizontal pass first (only over the source rows the vertical pass will
 * read), its result rounded and clipped to 8 bits, then a vertical pass. A pass is skipped when its
 * dimension keeps its size. Each output sample's kernel is centred at {@code (i + 0.5) * scale} and
 * stretched by {@code max(scale, 1)} (antialiasing when shrinking); weights are computed in double,
 * normalized to sum 1, then rounded half away from zero to 22-bit fixed point. Sums start at
 * {@code 1 << 21} (round half up) and are shifted back by 22 bits and clipped to [0, 255].
 *
 * <p>Stateless and thread-safe.
 */
public final class PillowResize {

    /** 8 bits for the result and 2 for overshoot of negative lobes, in a 32-bit int. */
    private static final int PRECISION_BITS = 32 - 8 - 2;

    /** Initial accumulator value: rounds the fixed-point sum to nearest. */
    private static final int HALF = 1 << (PRECISION_BITS - 1);

    private PillowResize() {
    }

    /**
     * Resizes interleaved 8-bit pixels.
     *
     * @param pixels source samples, row-major {@code [height, width, channels]}
     * @param width source width
     * @param height source height
     * @param channels samples per pixel (1 to 4); channels are filtered independently
     * @param outWidth target width
     * @param outHeight target height
     * @param mode resampling filter
     * @return a new array {@code [outHeight, outWidth, channels]}; a copy of {@code pixels} when the size
     *     is unchanged (as Pillow returns a copy)
     * @throws IllegalArgumentException if a size is not positive or {@code pixels} has the wrong length
     */
    public static byte[] resize(
            byte[] pixels, int width, int height, int channels, int outWidth, int outHeight, ResizeMode mode) {
        if (width <= 0 || height <= 0 || outWidth <= 0 || outHeight <= 0) {
            throw new IllegalArgumentException("sizes must be positive: source " + width + "x" + height
                    + ", target " + outWidth + "x" + outHeight);
        }
        if (channels < 1 || channels > 4) {
            throw new IllegalArgumentException("channels must be 1 to 4, got " + channels);
        }
        if ((long) outWidth * outHeight * channels > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("target " + outWidth + "x" + outHeight + "x" + channels
                    + " does not fit in one array");
        }
        long expected = (long) width * height * channels;
        if (pixels.length != expected) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " bytes, expected "
                    + width + "x" + height + "x" + channels + " = " + expected);
        }
        boolean needHorizontal = outWidth != width;
        boolean needVertical = outHeight != height;
        if (!needHorizontal && !needVertical) {
            return pixels.clone();
        }
        Coefficients horizontal = Coefficients.compute(width, outWidth, mode);
        Coefficients vertical = Coefficients.compute(height, outHeight, mode);

        byte[] image = pixels;
        int rowOffset = 0;
        if (needHorizontal) {
            // source rows [first, last) are all the vertical pass reads
            int first = vertical.start(0);
            int last = vertical.start(outHeight - 1) + vertical.count(outHeight - 1);
            image = horizontalPass(pixels, width, channels, first, last - first, horizontal); // [last-first, outWidth, C]
            rowOffset = first;
        }
        if (needVertical) {
            image = verticalPass(image, outWidth * channels, rowOffset, vertical); // [outHeight, outWidth, C]
        }
        return image;
    }

    private static byte[] horizontalPass(
            byte[] in, int inWidth, int channels, int firstRow, int rows, Coefficients k) {
        int outWidth = k.outSize;
        byte[] out = new byte[rows * outWidth * channels];
        for (int y = 0; y < rows; y++) {
            int inRow = (y + firstRow) * inWidth * channels;
            int outRow = y * outWidth * channels;
            for (int xx = 0; xx < outWidth; xx++) {
                int start = k.start(xx);
                int count = k.count(xx);
                int kOffset = xx * k.size;
                for (int c = 0; c < channels; c++) {
                    int ss = HALF;
                    int p = inRow + start * channels + c;
                    for (int x = 0; x < count; x++, p += channels) {
                        ss += (in[p] & 0xFF) * k.fixed[kOffset + x];
                    }
                    out[outRow + xx * channels + c] = clip8(ss);
                }
            }
        }
        return out;
    }

    private static byte[] verticalPass(byte[] in, int rowLength, int rowOffset, Coefficients k) {
        int outHeight = k.outSize;
        byte[] out = new byte[outHeight * rowLength];
        for (int yy = 0; yy < outHeight; yy++) {
            int start = k.start(yy) - rowOffset;
            int count = k.count(yy);
            int kOffset = yy * k.size;
            int outRow = yy * rowLength;
            for (int i = 0; i < rowLength; i++) {
                int ss = HALF;
                int p = start * rowLength + i;
                for (int y = 0; y < count; y++, p += rowLength) {
                    ss += (in[p] & 0xFF) * k.fixed[kOffset + y];
                }
                out[outRow + i] = clip8(ss);
            }
        }
        return out;
    }

    private static byte clip8(int ss) {
        int v = ss >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /** Per-output-sample source windows and fixed-point weights along one axis ({@code precompute_coeffs}). */
    private static final class Coefficients {
        final int outSize;
        /** Maximum taps per output sample (row stride of {@link #fixed}). */
        final int size;
        /** {@code [outSize, 2]}: first source index and number of taps. */
        final int[] bounds;
        /** {@code [outSize, size]}: weights in {@code PRECISION_BITS} fixed point. */
        final int[] fixed;

        private Coefficients(int outSize, int size, int[] bounds, int[] fixed) {
            this.outSize = outSize;
            this.size = size;
            this.bounds = bounds;
            this.fixed = fixed;
        }

        int start(int i) {
            return bounds[2 * i];
        }

        int count(int i) {
            return bounds[2 * i + 1];
        }

        static Coefficients compute(int inSize, int outSize, ResizeMode mode) {
            // Pillow passes the box edges as C floats: in0 = 0, in1 = inSize
            double scale = (double) (float) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = mode.support() * filterScale;
            long size = (long) Math.ceil(support) * 2 + 1;
            if (size * outSize > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("resize " + inSize + " -> " + outSize
                        + " needs too many filter coefficients");
            }
            int k = (int) size;
            int[] bounds = new int[2 * outSize];
            int[] fixed = new int[outSize * k];
            double[] weights = new double[k];
            double invFilterScale = 1.0 / filterScale;
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                double ww = 0.0;
                for (int x = 0; x < xmax; x++) {
                    double w = mode.filter((x + xmin - center + 0.5) * invFilterScale);
                    weights[x] = w;
                    ww += w;
                }
                for (int x = 0; x < xmax; x++) {
                    double w = ww != 0.0 ? weights[x] / ww : weights[x];
                    fixed[xx * k + x] = w < 0
                            ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                            : (int) (0.5 + w * (1 << PRECISION_BITS));
                }
                bounds[2 * xx] = xmin;
                bounds[2 * xx + 1] = xmax;
            }
            return new Coefficients(outSize, k, bounds, fixed);
        }
    }
}
