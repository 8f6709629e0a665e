package dev.seedj.examples.shapes;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Objects;

/**
 * Judges a {@value ShapeScene#IMAGE_SIZE} x {@value ShapeScene#IMAGE_SIZE} picture, rendered or generated,
 * for the four shapes-64 attributes. Made to be exact on clean renders and robust to the blur and noise of
 * generated pictures:
 *
 * <ol>
 *   <li><b>Background.</b> The background colour is the per-channel median of the border pixels (the shape
 *       covers at most 95 of the 252, so the median is never the shape's); it is {@code white} if its mean
 *       sample is at least 128, else {@code black}.
 *   <li><b>Foreground.</b> Each pixel's Euclidean RGB distance from that background colour, rounded to an
 *       integer. The threshold is half the {@value #STRONG_RANK}th largest distance (the shape's own
 *       contrast, as even the smallest shape has more pixels than that), but at least
 *       {@value #MIN_THRESHOLD} and at least {@value #NOISE_FACTOR} times the median distance of the border
 *       pixels (the background's own variation, 0 on a clean render). The shape's region is the largest
 *       8-connected set of pixels above the threshold, which drops isolated noise; if it has fewer than
 *       {@value #MIN_REGION} pixels, no shape is found.
 *   <li><b>Colour.</b> Each region pixel is assigned the palette colour whose segment from the background
 *       colour to the palette colour passes nearest to it (so a pixel blended with the background by blur
 *       still counts for its own colour); the dominant colour is the one with most pixels.
 *   <li><b>Size.</b> {@code large} if the region's bounding box is more than {@value #SIZE_SPLIT} px wide or
 *       high (halfway between the small maximum 24 and the large minimum 36), else {@code small}.
 *   <li><b>Shape.</b> The region is compared with the ideal square, circle (ellipse) and upward triangle
 *       filling its bounding box, by {@link ShapesRenderer}'s pixel rules stretched to the box; the shape
 *       with the highest intersection over union wins. On clean renders the right template matches exactly
 *       (IoU 1), while a circle fills pi/4 of a square and a triangle about half, with its narrow end up.
 * </ol>
 *
 * <p>Stateless and thread-safe.
 */
public final class ShapeClassifier {

    /** Rank of the distance from the background taken as the shape's contrast. */
    static final int STRONG_RANK = 64;
    /** Smallest foreground threshold, in RGB distance. */
    static final int MIN_THRESHOLD = 48;
    /** Multiple of the border's median distance from the background colour below which nothing is shape. */
    static final int NOISE_FACTOR = 3;
    /** Fewest pixels a region needs to count as a shape. */
    static final int MIN_REGION = 32;
    /** Largest bounding box side, in pixels, judged {@code small}. */
    static final int SIZE_SPLIT = 30;

    private static final int SIZE = ShapeScene.IMAGE_SIZE;
    /** Largest rounded RGB distance: round(255 * sqrt(3)). */
    private static final int MAX_DISTANCE = 442;

    private ShapeClassifier() {
    }

    /**
     * @param image a {@value ShapeScene#IMAGE_SIZE} x {@value ShapeScene#IMAGE_SIZE} picture of any type; its
     *     sRGB values as {@link BufferedImage#getRGB} reports them are judged
     * @return what the picture shows
     * @throws IllegalArgumentException if the picture is not 64 x 64
     */
    public static Judgement judge(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        if (image.getWidth() != SIZE || image.getHeight() != SIZE) {
            throw new IllegalArgumentException("shapes-64 pictures are " + SIZE + "x" + SIZE + ", got "
                    + image.getWidth() + "x" + image.getHeight());
        }
        int[] pixels = image.getRGB(0, 0, SIZE, SIZE, null, 0, SIZE); // [H, W] packed 0xRRGGBB
        int[] background = borderMedian(pixels); // [3]
        Background judgedBackground = (background[0] + background[1] + background[2]) >= 3 * 128
                ? Background.WHITE : Background.BLACK;

        int[] distance = new int[pixels.length]; // [H * W], rounded RGB distance, 0..442
        int[] histogram = new int[MAX_DISTANCE + 1];
        for (int i = 0; i < pixels.length; i++) {
            distance[i] = (int) Math.round(Math.sqrt(squaredDistance(pixels[i], background)));
            histogram[distance[i]]++;
        }
        double threshold = Math.max(MIN_THRESHOLD, Math.max(kthLargest(histogram, STRONG_RANK) / 2.0,
                NOISE_FACTOR * borderMedianDistance(distance)));
        boolean[] region = largestRegion(distance, threshold); // [H * W]

        int count = 0;
        int minX = SIZE;
        int maxX = -1;
        int minY = SIZE;
        int maxY = -1;
        int[] colourVotes = new int[ShapeColour.values().length];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                if (region[y * SIZE + x]) {
                    count++;
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                    colourVotes[nearestColour(pixels[y * SIZE + x], background).ordinal()]++;
                }
            }
        }
        if (count < MIN_REGION) {
            return Judgement.noShape(judgedBackground);
        }
        ShapeColour colour = ShapeColour.values()[argMax(colourVotes)];
        int width = maxX - minX + 1;
        int height = maxY - minY + 1;
        ShapeSize size = Math.max(width, height) > SIZE_SPLIT ? ShapeSize.LARGE : ShapeSize.SMALL;

        ShapeKind bestShape = null;
        double bestIou = -1;
        for (ShapeKind kind : ShapeKind.values()) {
            double iou = templateIou(region, count, minX, minY, width, height, kind);
            if (iou > bestIou) {
                bestIou = iou;
                bestShape = kind;
            }
        }
        return new Judgement(judgedBackground, colour, bestShape, size, count, width, height, bestIou,
                (double) colourVotes[colour.ordinal()] / count);
    }

    /** @return the per-channel median {r, g, b} of the image's outermost ring of pixels */
    private static int[] borderMedian(int[] pixels) {
        int ring = 4 * (SIZE - 1);
        int[][] channels = new int[3][ring]; // [3, ring]
        int n = 0;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                if (x == 0 || y == 0 || x == SIZE - 1 || y == SIZE - 1) {
                    int rgb = pixels[y * SIZE + x];
                    channels[0][n] = (rgb >> 16) & 0xFF;
                    channels[1][n] = (rgb >> 8) & 0xFF;
                    channels[2][n] = rgb & 0xFF;
                    n++;
                }
            }
        }
        int[] median = new int[3];
        for (int c = 0; c < 3; c++) {
            Arrays.sort(channels[c]);
            median[c] = (channels[c][ring / 2 - 1] + channels[c][ring / 2]) / 2;
        }
        return median;
    }

    /** @return the {@code k}th largest of the values counted by {@code histogram} (k = 1 is the maximum) */
    private static int kthLargest(int[] histogram, int k) {
        int seen = 0;
        for (int value = histogram.length - 1; value > 0; value--) {
            seen += histogram[value];
            if (seen >= k) {
                return value;
            }
        }
        return 0;
    }

    /** @return the median of the border pixels' distances */
    private static double borderMedianDistance(int[] distance) {
        int[] border = new int[4 * (SIZE - 1)]; // [ring]
        int n = 0;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                if (x == 0 || y == 0 || x == SIZE - 1 || y == SIZE - 1) {
                    border[n++] = distance[y * SIZE + x];
                }
            }
        }
        Arrays.sort(border);
        return (border[n / 2 - 1] + border[n / 2]) / 2.0;
    }

    /** @return the 8-connected region of pixels above the threshold with the most pixels (first found wins ties) */
    private static boolean[] largestRegion(int[] distance, double threshold) {
        int n = distance.length;
        int[] label = new int[n]; // [H * W], 0 = unvisited or background
        int[] queue = new int[n];
        int bestLabel = 0;
        int bestSize = 0;
        int next = 0;
        for (int start = 0; start < n; start++) {
            if (label[start] != 0 || distance[start] <= threshold) {
                continue;
            }
            next++;
            int head = 0;
            int tail = 0;
            queue[tail++] = start;
            label[start] = next;
            while (head < tail) {
                int p = queue[head++];
                int px = p % SIZE;
                int py = p / SIZE;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int qx = px + dx;
                        int qy = py + dy;
                        if (qx < 0 || qy < 0 || qx >= SIZE || qy >= SIZE) {
                            continue;
                        }
                        int q = qy * SIZE + qx;
                        if (label[q] == 0 && distance[q] > threshold) {
                            label[q] = next;
                            queue[tail++] = q;
                        }
                    }
                }
            }
            if (tail > bestSize) {
                bestSize = tail;
                bestLabel = next;
            }
        }
        boolean[] region = new boolean[n];
        for (int i = 0; i < n; i++) {
            region[i] = bestLabel != 0 && label[i] == bestLabel;
        }
        return region;
    }

    /** @return the palette colour whose segment from the background to it passes nearest to the pixel */
    private static ShapeColour nearestColour(int rgb, int[] background) {
        double ur = ((rgb >> 16) & 0xFF) - background[0];
        double ug = ((rgb >> 8) & 0xFF) - background[1];
        double ub = (rgb & 0xFF) - background[2];
        ShapeColour best = null;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (ShapeColour colour : ShapeColour.values()) {
            double vr = colour.red() - background[0];
            double vg = colour.green() - background[1];
            double vb = colour.blue() - background[2];
            double vv = vr * vr + vg * vg + vb * vb;
            double t = vv == 0 ? 0 : Math.max(0, Math.min(1, (ur * vr + ug * vg + ub * vb) / vv));
            double er = ur - t * vr;
            double eg = ug - t * vg;
            double eb = ub - t * vb;
            double d = er * er + eg * eg + eb * eb;
            if (d < bestDistance) {
                bestDistance = d;
                best = colour;
            }
        }
        return best;
    }

    /**
     * @return intersection over union of the region with the ideal mask of {@code kind} filling the
     *     {@code width x height} box at ({@code left}, {@code top})
     */
    private static double templateIou(boolean[] region, int regionCount, int left, int top, int width,
                                      int height, ShapeKind kind) {
        int templateCount = 0;
        int both = 0;
        for (int row = 0; row < height; row++) {
            for (int column = 0; column < width; column++) {
                if (inTemplate(kind, column, row, width, height)) {
                    templateCount++;
                    if (region[(top + row) * SIZE + left + column]) {
                        both++;
                    }
                }
            }
        }
        return (double) both / (regionCount + templateCount - both);
    }

    /** {@link ShapesRenderer}'s coverage rules for a {@code width x height} box; equal to them if square. */
    private static boolean inTemplate(ShapeKind kind, int column, int row, int width, int height) {
        long dx2 = 2L * column + 1 - width;
        long dy2 = 2L * row + 1 - height;
        long w = width;
        long h = height;
        return switch (kind) {
            case SQUARE -> true;
            case CIRCLE -> dx2 * dx2 * h * h + dy2 * dy2 * w * w <= w * w * h * h;
            case TRIANGLE -> Math.abs(dx2) * h <= (row + 1L) * w;
        };
    }

    private static int squaredDistance(int rgb, int[] background) {
        int dr = ((rgb >> 16) & 0xFF) - background[0];
        int dg = ((rgb >> 8) & 0xFF) - background[1];
        int db = (rgb & 0xFF) - background[2];
        return dr * dr + dg * dg + db * db;
    }

    private static int argMax(int[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
