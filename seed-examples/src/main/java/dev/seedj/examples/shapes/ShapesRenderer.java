package dev.seedj.examples.shapes;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Objects;

/**
 * Renders a {@link ShapeScene} to a {@value ShapeScene#IMAGE_SIZE} x {@value ShapeScene#IMAGE_SIZE}
 * {@link BufferedImage#TYPE_INT_RGB} picture: the plain background colour everywhere except the pixels the
 * shape covers, which have exactly the shape colour. There is no anti-aliasing, so a rendered picture holds
 * exactly two colours.
 *
 * <p>The bounding box is the scene's {@code box x box} pixel square from ({@link ShapeScene#left()},
 * {@link ShapeScene#top()}); the painted pixels of every shape span exactly that square (the shape touches
 * all four sides). Pixel (x, y) has its centre at (x + 0.5, y + 0.5); the box's vertical centre line is at
 * {@code left + box / 2.0}. Pixel (x, y) of the box, in row {@code i = y - top} counted from 0 at the top,
 * is covered
 * <ul>
 *   <li>by a <b>square</b> always: the side is {@code box};
 *   <li>by a <b>circle</b> if its centre lies in the closed disc of diameter {@code box} centred on the
 *       box's centre;
 *   <li>by a <b>triangle</b> (pointing up, base = height = {@code box}) if its centre is at most
 *       {@code (i + 1) / 2} px from the vertical centre line: row 0 (the apex) holds 1 pixel for an odd box
 *       and 2 for an even box, each row below is about one pixel wider, and the last row (the base) is
 *       the full {@code box} pixels. Equivalently: the triangle with apex ({@code left + box / 2.0},
 *       {@code top - 0.5}) and base from ({@code left}, {@code top + box - 0.5}) to
 *       ({@code left + box}, {@code top + box - 0.5}), tested at pixel centres.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class ShapesRenderer {

    private ShapesRenderer() {
    }

    /**
     * @param scene the scene
     * @return a new {@value ShapeScene#IMAGE_SIZE} x {@value ShapeScene#IMAGE_SIZE} TYPE_INT_RGB picture
     */
    public static BufferedImage render(ShapeScene scene) {
        Objects.requireNonNull(scene, "scene");
        int size = ShapeScene.IMAGE_SIZE;
        int[] pixels = new int[size * size]; // [H, W] packed 0xRRGGBB
        Arrays.fill(pixels, scene.background().rgb());
        int colour = scene.colour().rgb();
        for (int y = scene.top(); y < scene.top() + scene.box(); y++) {
            for (int x = scene.left(); x < scene.left() + scene.box(); x++) {
                if (covers(scene, x, y)) {
                    pixels[y * size + x] = colour;
                }
            }
        }
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, size, size, pixels, 0, size);
        return image;
    }

    /**
     * @param scene the scene
     * @param x a pixel column (any value)
     * @param y a pixel row (any value)
     * @return whether the scene's shape covers that pixel, by the rules in the class documentation
     */
    public static boolean covers(ShapeScene scene, int x, int y) {
        int box = scene.box();
        int column = x - scene.left();
        int row = y - scene.top();
        if (column < 0 || column >= box || row < 0 || row >= box) {
            return false;
        }
        // Doubled offsets of the pixel centre from the box centre, so all tests stay in integers.
        int dx2 = 2 * column + 1 - box;
        int dy2 = 2 * row + 1 - box;
        return switch (scene.shape()) {
            case SQUARE -> true;
            case CIRCLE -> dx2 * dx2 + dy2 * dy2 <= box * box;
            case TRIANGLE -> Math.abs(dx2) <= row + 1;
        };
    }
}
