package dev.seedj.examples.shapes;

import java.util.Objects;
import java.util.Optional;

/**
 * What {@link ShapeClassifier} sees in a picture. The background is always judged; the shape's colour, kind
 * and size are judged only if a shape was found ({@link #found()}), and are null otherwise.
 *
 * <p>The constructor rejects a null background, colour, shape and size that are not all null or all set,
 * and measurements that do not match that ({@link IllegalArgumentException}). Immutable and thread-safe.
 *
 * @param background the background
 * @param colour the dominant shape colour, or null if no shape was found
 * @param shape the shape kind, or null if no shape was found
 * @param size the size class, or null if no shape was found
 * @param foregroundPixels pixels of the shape's region (the largest connected foreground region), 0 if no
 *     shape was found
 * @param boxWidth width of that region's bounding box in pixels, 0 if no shape was found
 * @param boxHeight height of that region's bounding box in pixels, 0 if no shape was found
 * @param shapeIou intersection over union of the region with the ideal mask of the judged shape in the
 *     same bounding box (1 for a clean render), 0 if no shape was found
 * @param colourShare fraction of the region's pixels whose nearest palette colour is the judged colour,
 *     0 if no shape was found
 */
public record Judgement(Background background, ShapeColour colour, ShapeKind shape, ShapeSize size,
                        int foregroundPixels, int boxWidth, int boxHeight, double shapeIou,
                        double colourShare) {

    /**
     * Checks that the judgement is consistent, as the class documentation states.
     *
     * @param background the background
     * @param colour the dominant shape colour, or null if no shape was found
     * @param shape the shape kind, or null if no shape was found
     * @param size the size class, or null if no shape was found
     * @param foregroundPixels pixels of the shape's region (the largest connected foreground region), 0 if no
     *     shape was found
     * @param boxWidth width of that region's bounding box in pixels, 0 if no shape was found
     * @param boxHeight height of that region's bounding box in pixels, 0 if no shape was found
     * @param shapeIou intersection over union of the region with the ideal mask of the judged shape in the
     *     same bounding box (1 for a clean render), 0 if no shape was found
     * @param colourShare fraction of the region's pixels whose nearest palette colour is the judged colour,
     *     0 if no shape was found
     */
    public Judgement {
        Objects.requireNonNull(background, "background");
        boolean any = colour != null || shape != null || size != null;
        boolean all = colour != null && shape != null && size != null;
        if (any != all) {
            throw new IllegalArgumentException("colour, shape and size must be all null or all set, got "
                    + colour + ", " + shape + ", " + size);
        }
        if (!all && (foregroundPixels != 0 || boxWidth != 0 || boxHeight != 0 || shapeIou != 0
                || colourShare != 0)) {
            throw new IllegalArgumentException("a judgement without a shape must have zero measurements");
        }
        if (all && (foregroundPixels < 1 || boxWidth < 1 || boxHeight < 1)) {
            throw new IllegalArgumentException("a judgement with a shape needs a non-empty region, got "
                    + foregroundPixels + " pixels in " + boxWidth + "x" + boxHeight);
        }
    }

    /**
     * @param background the background
     * @return the judgement of a picture in which no shape was found
     */
    public static Judgement noShape(Background background) {
        return new Judgement(background, null, null, null, 0, 0, 0, 0, 0);
    }

    /** @return whether a shape was found */
    public boolean found() {
        return shape != null;
    }

    /** @return the four judged attributes, or empty if no shape was found */
    public Optional<CaptionAttributes> attributes() {
        return found() ? Optional.of(new CaptionAttributes(shape, colour, size, background)) : Optional.empty();
    }

    /**
     * @param expected the attributes a caption asked for
     * @return whether a shape was found and all four attributes equal the expected ones
     */
    public boolean matches(CaptionAttributes expected) {
        return attributes().map(expected::equals).orElse(false);
    }
}
