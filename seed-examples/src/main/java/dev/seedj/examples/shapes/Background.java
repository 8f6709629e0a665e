package dev.seedj.examples.shapes;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The plain background of a shapes-64 picture.
 *
 * <p>Immutable and thread-safe.
 */
public enum Background {
    /** (255, 255, 255). */
    WHITE(255),
    /** (0, 0, 0). */
    BLACK(0);

    private final int level;

    Background(int level) {
        this.level = level;
    }

    /** @return the grey level of all three samples, 0..255 */
    public int level() {
        return level;
    }

    /** @return the colour packed as {@code 0xRRGGBB}, as {@code BufferedImage.TYPE_INT_RGB} stores it */
    public int rgb() {
        return (level << 16) | (level << 8) | level;
    }

    /** @return the caption word, e.g. {@code white} */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param word a caption word, exactly as {@link #word()} spells it
     * @return the background it names
     * @throws IllegalArgumentException if the word names no background
     */
    public static Background fromWord(String word) {
        for (Background background : values()) {
            if (background.word().equals(word)) {
                return background;
            }
        }
        throw new IllegalArgumentException("unknown background '" + word + "', expected one of "
                + Arrays.stream(values()).map(Background::word).collect(Collectors.joining(", ")));
    }
}
