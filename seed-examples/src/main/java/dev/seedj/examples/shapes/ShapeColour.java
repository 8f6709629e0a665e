package dev.seedj.examples.shapes;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The six shape colours of shapes-64, with their exact sRGB values.
 *
 * <p>Immutable and thread-safe.
 */
public enum ShapeColour {
    /** (220, 40, 40). */
    RED(220, 40, 40),
    /** (40, 180, 60). */
    GREEN(40, 180, 60),
    /** (40, 80, 220). */
    BLUE(40, 80, 220),
    /** (240, 210, 40). */
    YELLOW(240, 210, 40),
    /** (150, 60, 200). */
    PURPLE(150, 60, 200),
    /** (245, 140, 30). */
    ORANGE(245, 140, 30);

    private final int red;
    private final int green;
    private final int blue;

    ShapeColour(int red, int green, int blue) {
        this.red = red;
        this.green = green;
        this.blue = blue;
    }

    /** @return the red sample, 0..255 */
    public int red() {
        return red;
    }

    /** @return the green sample, 0..255 */
    public int green() {
        return green;
    }

    /** @return the blue sample, 0..255 */
    public int blue() {
        return blue;
    }

    /** @return the colour packed as {@code 0xRRGGBB}, as {@code BufferedImage.TYPE_INT_RGB} stores it */
    public int rgb() {
        return (red << 16) | (green << 8) | blue;
    }

    /** @return the caption word, e.g. {@code red} */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param word a caption word, exactly as {@link #word()} spells it
     * @return the colour it names
     * @throws IllegalArgumentException if the word names no colour
     */
    public static ShapeColour fromWord(String word) {
        for (ShapeColour colour : values()) {
            if (colour.word().equals(word)) {
                return colour;
            }
        }
        throw new IllegalArgumentException("unknown colour '" + word + "', expected one of "
                + Arrays.stream(values()).map(ShapeColour::word).collect(Collectors.joining(", ")));
    }
}
