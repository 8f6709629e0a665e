package dev.seedj.examples.shapes;

import java.util.Objects;
import java.util.Optional;

/**
 * One shapes-64 picture before rendering: its attributes and the exact geometry of its shape.
 *
 * <p>The shape occupies a square bounding box of {@code box x box} pixels whose top-left pixel is
 * ({@link #left()}, {@link #top()}) = ({@code centreX - box / 2}, {@code centreY - box / 2}) with integer
 * division; so for an even box the box's geometric centre is the pixel corner ({@code centreX},
 * {@code centreY}), for an odd box it is the middle of pixel ({@code centreX}, {@code centreY}). The centre
 * is at most {@link #MAX_JITTER} px from the image centre ({@code IMAGE_SIZE / 2}) on each axis, which keeps
 * every allowed box (up to 48 px) inside the {@link #IMAGE_SIZE}-pixel image. {@link ShapesRenderer} defines
 * which pixels of the box each shape covers.
 *
 * <p>The constructor rejects a null attribute ({@link NullPointerException}), and a box outside the size's
 * range or a centre jittered by more than {@link #MAX_JITTER} px ({@link IllegalArgumentException}).
 * Immutable and thread-safe.
 *
 * @param shape the shape
 * @param colour the shape's colour
 * @param size the shape's size class
 * @param background the background
 * @param box the bounding box side in pixels, within {@code size}'s range
 * @param centreX the box centre's column, {@code IMAGE_SIZE / 2 +- MAX_JITTER}
 * @param centreY the box centre's row, {@code IMAGE_SIZE / 2 +- MAX_JITTER}
 */
public record ShapeScene(ShapeKind shape, ShapeColour colour, ShapeSize size, Background background,
                         int box, int centreX, int centreY) {

    /** Width and height of every shapes-64 picture, in pixels. */
    public static final int IMAGE_SIZE = 64;

    /** Largest distance in pixels, on each axis, of the shape's centre from the image centre. */
    public static final int MAX_JITTER = 8;

    /**
     * Validates the attributes and geometry, as the class documentation states.
     *
     * @param shape the shape
     * @param colour the shape's colour
     * @param size the shape's size class
     * @param background the background
     * @param box the bounding box side in pixels, within {@code size}'s range
     * @param centreX the box centre's column, {@code IMAGE_SIZE / 2 +- MAX_JITTER}
     * @param centreY the box centre's row, {@code IMAGE_SIZE / 2 +- MAX_JITTER}
     */
    public ShapeScene {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(colour, "colour");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(background, "background");
        if (!size.contains(box)) {
            throw new IllegalArgumentException("box " + box + " px is outside the " + size.word() + " range "
                    + size.minBox() + ".." + size.maxBox() + " px");
        }
        int middle = IMAGE_SIZE / 2;
        if (Math.abs(centreX - middle) > MAX_JITTER || Math.abs(centreY - middle) > MAX_JITTER) {
            throw new IllegalArgumentException("centre (" + centreX + ", " + centreY + ") is more than "
                    + MAX_JITTER + " px from the image centre (" + middle + ", " + middle + ")");
        }
    }

    /** @return the leftmost column of the bounding box */
    public int left() {
        return centreX - box / 2;
    }

    /** @return the top row of the bounding box */
    public int top() {
        return centreY - box / 2;
    }

    /** @return the four attributes the caption states */
    public CaptionAttributes attributes() {
        return new CaptionAttributes(shape, colour, size, background);
    }

    /** @return the caption, e.g. {@code a large red circle on a white background} */
    public String caption() {
        return attributes().caption();
    }

    /**
     * Parses a caption of exactly the form {@value CaptionAttributes#TEMPLATE}: lower case, single spaces,
     * nothing before or after.
     *
     * @param caption the caption
     * @return its attributes
     * @throws IllegalArgumentException if the caption is not of that form, naming what is wrong
     */
    public static CaptionAttributes parseCaption(String caption) {
        Objects.requireNonNull(caption, "caption");
        String[] words = caption.split(" ", -1);
        if (words.length != 8 || !words[0].equals("a") || !words[4].equals("on") || !words[5].equals("a")
                || !words[7].equals("background")) {
            throw new IllegalArgumentException("caption '" + caption + "' is not of the form '"
                    + CaptionAttributes.TEMPLATE + "'");
        }
        try {
            return new CaptionAttributes(ShapeKind.fromWord(words[3]), ShapeColour.fromWord(words[2]),
                    ShapeSize.fromWord(words[1]), Background.fromWord(words[6]));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("caption '" + caption + "': " + e.getMessage(), e);
        }
    }

    /**
     * {@link #parseCaption(String)} for text that may not be a caption, such as a model's output.
     *
     * @param text any text
     * @return its attributes, or empty if it is not exactly a shapes-64 caption
     */
    public static Optional<CaptionAttributes> tryParseCaption(String text) {
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(parseCaption(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
