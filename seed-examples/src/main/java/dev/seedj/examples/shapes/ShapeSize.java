package dev.seedj.examples.shapes;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The size class of a shapes-64 shape: the range of its bounding box side in pixels (see
 * {@link ShapesRenderer} for what the bounding box is for each shape).
 *
 * <p>Immutable and thread-safe.
 */
public enum ShapeSize {
    /** Bounding box 16 to 24 px, both included. */
    SMALL(16, 24),
    /** Bounding box 36 to 48 px, both included. */
    LARGE(36, 48);

    private final int minBox;
    private final int maxBox;

    ShapeSize(int minBox, int maxBox) {
        this.minBox = minBox;
        this.maxBox = maxBox;
    }

    /** @return the smallest bounding box side in pixels, included */
    public int minBox() {
        return minBox;
    }

    /** @return the largest bounding box side in pixels, included */
    public int maxBox() {
        return maxBox;
    }

    /**
     * @param box a bounding box side in pixels
     * @return whether it lies in this size's range
     */
    public boolean contains(int box) {
        return box >= minBox && box <= maxBox;
    }

    /** @return the caption word, e.g. {@code small} */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param word a caption word, exactly as {@link #word()} spells it
     * @return the size it names
     * @throws IllegalArgumentException if the word names no size
     */
    public static ShapeSize fromWord(String word) {
        for (ShapeSize size : values()) {
            if (size.word().equals(word)) {
                return size;
            }
        }
        throw new IllegalArgumentException("unknown size '" + word + "', expected one of "
                + Arrays.stream(values()).map(ShapeSize::word).collect(Collectors.joining(", ")));
    }
}
