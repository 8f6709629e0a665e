package dev.seedj.examples.shapes;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The filled shape of a shapes-64 picture. The geometry of each kind inside its bounding box is defined
 * by {@link ShapesRenderer}.
 *
 * <p>Immutable and thread-safe.
 */
public enum ShapeKind {
    /** A disc whose diameter is the bounding box. */
    CIRCLE,
    /** An axis-aligned square whose side is the bounding box. */
    SQUARE,
    /** A triangle pointing up, with base = height = the bounding box. */
    TRIANGLE;

    /** @return the caption word, e.g. {@code circle} */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param word a caption word, exactly as {@link #word()} spells it
     * @return the shape it names
     * @throws IllegalArgumentException if the word names no shape
     */
    public static ShapeKind fromWord(String word) {
        for (ShapeKind kind : values()) {
            if (kind.word().equals(word)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown shape '" + word + "', expected one of "
                + Arrays.stream(values()).map(ShapeKind::word).collect(Collectors.joining(", ")));
    }
}
