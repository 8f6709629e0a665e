package dev.seedj.examples.mini;

import java.awt.image.BufferedImage;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The picture degradations SEED-mini is trained with and measured on: pictures of the shapes-64 world as a camera or
 * a careless copy would deliver them. Each has a fixed <em>test strength</em> (the model card's robustness rows) and
 * a <em>training range</em> around it; {@link #random} uses either, with even odds:
 * <ul>
 *   <li>{@link #BLUR}: Gaussian blur, standard deviation 2 px (training 0.5 .. 2.5 px), kernel cut at 3 standard
 *       deviations, edges repeated;</li>
 *   <li>{@link #LOW_RESOLUTION}: the picture averaged down to 16 x 16 pixels (training 12 .. 32), each output pixel the
 *       mean of the input pixels whose centres fall in its area; the small picture is what the model gets (its
 *       preprocessing resizes it back to 64);</li>
 *   <li>{@link #FADE}: every channel moved 60% of the way to white (training 20% .. 75%);</li>
 *   <li>{@link #TINT}: every channel moved 30% of the way to a colour cast (training 10% .. 40%, any cast); the test
 *       casts cycle with the scene index through {@link #TEST_CASTS}.</li>
 * </ul>
 * Results are new {@link BufferedImage#TYPE_INT_RGB} pictures; the input is not changed.
 *
 * <p>Stateless and thread-safe.
 */
public enum Degradation {
    /** Gaussian blur. */
    BLUR,
    /** Averaged down to a few pixels. */
    LOW_RESOLUTION,
    /** Washed out towards white. */
    FADE,
    /** A colour cast over the whole picture. */
    TINT;

    /** Standard deviation of the test blur, in pixels. */
    public static final double TEST_BLUR_SIGMA = 2.0;
    /** Side of the test low-resolution picture, in pixels. */
    public static final int TEST_SIDE = 16;
    /** Share of the way to white of the test fade. */
    public static final double TEST_FADE = 0.6;
    /** Share of the way to the cast of the test tint. */
    public static final double TEST_TINT = 0.3;
    /** The test tints' casts (warm, cool, green, magenta), packed 0xRRGGBB, used in turn by scene index. */
    public static final int[] TEST_CASTS = {0xFFAA50, 0x5096FF, 0x78DC78, 0xE66EE6};

    private static final int WHITE = 255;

    /**
     * @param image a picture
     * @param index the scene index (picks the test tint's cast)
     * @return the picture degraded at this degradation's test strength
     */
    public BufferedImage test(BufferedImage image, long index) {
        return switch (this) {
            case BLUR -> blur(image, TEST_BLUR_SIGMA);
            case LOW_RESOLUTION -> downscale(image, TEST_SIDE);
            case FADE -> fade(image, TEST_FADE);
            case TINT -> tint(image, TEST_CASTS[(int) Math.floorMod(index, (long) TEST_CASTS.length)], TEST_TINT);
        };
    }

    /**
     * @param image a picture
     * @param random draws the strength (and the tint's cast)
     * @return the picture degraded, with even odds, at the test strength (a test cast drawn for the tint) or at a
     *     strength drawn uniformly from this degradation's training range
     */
    public BufferedImage random(BufferedImage image, SplittableRandom random) {
        if (random.nextBoolean()) {
            return test(image, random.nextInt(TEST_CASTS.length));
        }
        return switch (this) {
            case BLUR -> blur(image, random.nextDouble(0.5, 2.5));
            case LOW_RESOLUTION -> downscale(image, random.nextInt(12, 33));
            case FADE -> fade(image, random.nextDouble(0.2, 0.75));
            case TINT -> tint(image, random.nextInt(0x1000000), random.nextDouble(0.1, 0.4));
        };
    }

    /** @return the lower-case name used in reports ({@code blur}, {@code low_resolution}, ...) */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * @param image a picture
     * @param sigma the Gaussian's standard deviation in pixels, above 0
     * @return the blurred picture (separable kernel of radius {@code ceil(3 sigma)}, edge pixels repeated)
     */
    public static BufferedImage blur(BufferedImage image, double sigma) {
        if (!(sigma > 0)) {
            throw new IllegalArgumentException("blur sigma must be above 0, got " + sigma);
        }
        int radius = (int) Math.ceil(3 * sigma);
        double[] kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            kernel[i + radius] = Math.exp(-i * i / (2 * sigma * sigma));
            sum += kernel[i + radius];
        }
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] /= sum;
        }
        int w = image.getWidth();
        int h = image.getHeight();
        double[][] rgb = channels(image); // [3][H * W]
        double[][] out = new double[3][w * h];
        for (int c = 0; c < 3; c++) {
            double[] rows = new double[w * h]; // horizontal pass
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = 0;
                    for (int k = -radius; k <= radius; k++) {
                        v += kernel[k + radius] * rgb[c][y * w + clamp(x + k, w)];
                    }
                    rows[y * w + x] = v;
                }
            }
            for (int y = 0; y < h; y++) { // vertical pass
                for (int x = 0; x < w; x++) {
                    double v = 0;
                    for (int k = -radius; k <= radius; k++) {
                        v += kernel[k + radius] * rows[clamp(y + k, h) * w + x];
                    }
                    out[c][y * w + x] = v;
                }
            }
        }
        return picture(out, w, h);
    }

    /**
     * @param image a picture
     * @param side the output's width and height, 1 .. the input's smaller side
     * @return the {@code side x side} area average of the picture
     */
    public static BufferedImage downscale(BufferedImage image, int side) {
        int w = image.getWidth();
        int h = image.getHeight();
        if (side < 1 || side > Math.min(w, h)) {
            throw new IllegalArgumentException("low-resolution side must be in [1, " + Math.min(w, h) + "], got "
                    + side);
        }
        double[][] rgb = channels(image); // [3][H * W]
        double[][] out = new double[3][side * side];
        int[] count = new int[side * side];
        for (int y = 0; y < h; y++) {
            int oy = (int) ((y + 0.5) * side / h); // output row whose area holds this pixel's centre
            for (int x = 0; x < w; x++) {
                int o = oy * side + (int) ((x + 0.5) * side / w);
                count[o]++;
                for (int c = 0; c < 3; c++) {
                    out[c][o] += rgb[c][y * w + x];
                }
            }
        }
        for (int c = 0; c < 3; c++) {
            for (int o = 0; o < count.length; o++) {
                out[c][o] /= count[o];
            }
        }
        return picture(out, side, side);
    }

    /**
     * @param image a picture
     * @param amount share of the way to white, 0 .. 1
     * @return the faded picture
     */
    public static BufferedImage fade(BufferedImage image, double amount) {
        return blend(image, 0xFFFFFF, amount);
    }

    /**
     * @param image a picture
     * @param cast the colour cast, packed 0xRRGGBB
     * @param amount share of the way to the cast, 0 .. 1
     * @return the tinted picture
     */
    public static BufferedImage tint(BufferedImage image, int cast, double amount) {
        return blend(image, cast, amount);
    }

    private static BufferedImage blend(BufferedImage image, int target, double amount) {
        if (!(amount >= 0 && amount <= 1)) {
            throw new IllegalArgumentException("blend amount must be in [0, 1], got " + amount);
        }
        double[][] rgb = channels(image);
        int[] to = {(target >> 16) & 0xFF, (target >> 8) & 0xFF, target & 0xFF};
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < rgb[c].length; i++) {
                rgb[c][i] += amount * (to[c] - rgb[c][i]);
            }
        }
        return picture(rgb, image.getWidth(), image.getHeight());
    }

    private static double[][] channels(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        int w = image.getWidth();
        int h = image.getHeight();
        int[] packed = image.getRGB(0, 0, w, h, null, 0, w);
        double[][] rgb = new double[3][w * h];
        for (int i = 0; i < packed.length; i++) {
            rgb[0][i] = (packed[i] >> 16) & 0xFF;
            rgb[1][i] = (packed[i] >> 8) & 0xFF;
            rgb[2][i] = packed[i] & 0xFF;
        }
        return rgb;
    }

    private static BufferedImage picture(double[][] rgb, int w, int h) {
        int[] packed = new int[w * h];
        for (int i = 0; i < packed.length; i++) {
            packed[i] = (channel(rgb[0][i]) << 16) | (channel(rgb[1][i]) << 8) | channel(rgb[2][i]);
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, w, h, packed, 0, w);
        return out;
    }

    private static int channel(double v) {
        return (int) Math.max(0, Math.min(WHITE, Math.round(v)));
    }

    private static int clamp(int i, int n) {
        return Math.max(0, Math.min(n - 1, i));
    }
}
