package dev.seedj.examples.shapes;

import java.util.Objects;

/**
 * The four attributes a shapes-64 caption states: {@code a {size} {colour} {shape} on a {background}
 * background}. Produced by {@link ShapeScene#attributes()} and {@link ShapeScene#parseCaption(String)},
 * and compared with a {@link Judgement} to score a caption or a generated picture.
 *
 * <p>All attributes are required (null is rejected). Immutable and thread-safe.
 *
 * @param shape the shape
 * @param colour the shape's colour
 * @param size the shape's size class
 * @param background the background
 */
public record CaptionAttributes(ShapeKind shape, ShapeColour colour, ShapeSize size, Background background) {

    /** The caption template, as error messages and documentation state it. */
    public static final String TEMPLATE = "a {size} {colour} {shape} on a {background} background";

    /**
     * Rejects a null attribute.
     *
     * @param shape the shape
     * @param colour the shape's colour
     * @param size the shape's size class
     * @param background the background
     */
    public CaptionAttributes {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(colour, "colour");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(background, "background");
    }

    /** @return the caption, e.g. {@code a large red circle on a white background} */
    public String caption() {
        return "a " + size.word() + " " + colour.word() + " " + shape.word()
                + " on a " + background.word() + " background";
    }
}
