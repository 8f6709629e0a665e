package dev.seedj.examples.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShapesRendererTest {

    private static final int SIZE = ShapeScene.IMAGE_SIZE;

    @Test
    void rendersExactlyTwoColoursAndTheShapeSpansItsBox() {
        int middle = SIZE / 2;
        int[] centres = {middle - ShapeScene.MAX_JITTER, middle, middle + ShapeScene.MAX_JITTER};
        int checked = 0;
        for (ShapeKind shape : ShapeKind.values()) {
            for (ShapeSize size : ShapeSize.values()) {
                for (int box = size.minBox(); box <= size.maxBox(); box++) {
                    for (int cx : centres) {
                        for (int cy : centres) {
                            ShapeColour colour = ShapeColour.values()[checked % 6];
                            Background background = Background.values()[checked % 2];
                            ShapeScene scene = new ShapeScene(shape, colour, size, background, box, cx, cy);
                            assertRendering(scene);
                            checked++;
                        }
                    }
                }
            }
        }
        assertEquals(3 * (9 + 13) * 9, checked);
    }

    private static void assertRendering(ShapeScene scene) {
        BufferedImage image = ShapesRenderer.render(scene);
        assertEquals(BufferedImage.TYPE_INT_RGB, image.getType());
        assertEquals(SIZE, image.getWidth());
        assertEquals(SIZE, image.getHeight());
        int[] pixels = image.getRGB(0, 0, SIZE, SIZE, null, 0, SIZE); // [H, W]
        Set<Integer> colours = new HashSet<>();
        int minX = SIZE;
        int maxX = -1;
        int minY = SIZE;
        int maxY = -1;
        int painted = 0;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int rgb = pixels[y * SIZE + x] & 0xFFFFFF;
                colours.add(rgb);
                boolean shape = rgb == scene.colour().rgb();
                if (ShapesRenderer.covers(scene, x, y) != shape) {
                    fail(scene + " at " + x + "," + y + ": covered " + !shape + " but painted " + shape);
                }
                if (shape) {
                    painted++;
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                }
            }
        }
        assertEquals(Set.of(scene.background().rgb(), scene.colour().rgb()), colours, scene.toString());
        assertEquals(scene.left(), minX, scene.toString());
        assertEquals(scene.top(), minY, scene.toString());
        assertEquals(scene.box(), maxX - minX + 1, scene.toString());
        assertEquals(scene.box(), maxY - minY + 1, scene.toString());
        assertTrue(minX >= 0 && minY >= 0 && maxX < SIZE && maxY < SIZE, scene.toString());
        double fill = (double) painted / (scene.box() * scene.box());
        switch (scene.shape()) {
            case SQUARE -> assertEquals(1.0, fill);
            case CIRCLE -> assertEquals(Math.PI / 4, fill, 0.03, scene.toString());
            case TRIANGLE -> {
                // Rows 2, 2, 4, 4, ..., box for an even box; 1, 3, 3, 5, 5, ..., box for an odd one.
                int box = scene.box();
                int expected = box % 2 == 0 ? box * (box + 2) / 2 : (box + 1) * (box + 1) / 2 - 1;
                assertEquals(expected, painted, scene.toString());
            }
        }
    }

    @Test
    void triangleRowsGrowFromApexToFullBase() {
        for (int box : new int[] {16, 17, 47, 48}) {
            ShapeSize size = box < 30 ? ShapeSize.SMALL : ShapeSize.LARGE;
            ShapeScene scene = new ShapeScene(ShapeKind.TRIANGLE, ShapeColour.BLUE, size, Background.WHITE, box,
                    32, 32);
            int previous = 0;
            for (int row = 0; row < box; row++) {
                int width = 0;
                for (int x = 0; x < SIZE; x++) {
                    if (ShapesRenderer.covers(scene, x, scene.top() + row)) {
                        width++;
                    }
                }
                if (row == 0) {
                    assertEquals(box % 2 == 0 ? 2 : 1, width, "apex of box " + box);
                }
                assertTrue(width >= previous && width <= previous + 2, "row " + row + " of box " + box);
                previous = width;
            }
            assertEquals(box, previous, "base of box " + box);
        }
    }

    @Test
    void circleIsTheDiscOfTheBoxDiameter() {
        ShapeScene scene = new ShapeScene(ShapeKind.CIRCLE, ShapeColour.GREEN, ShapeSize.SMALL, Background.BLACK,
                16, 32, 32);
        // Box 24..39 in both axes; the centre is the pixel corner (32, 32), radius 8.
        assertTrue(ShapesRenderer.covers(scene, 24, 31));
        assertTrue(ShapesRenderer.covers(scene, 39, 32));
        assertTrue(!ShapesRenderer.covers(scene, 24, 24));
        assertTrue(!ShapesRenderer.covers(scene, 23, 32));
        // Pixel (26, 26): centre offset (-5.5, -5.5), 60.5 <= 64, covered; (25, 26): 72.5 > 64, not.
        assertTrue(ShapesRenderer.covers(scene, 26, 26));
        assertTrue(!ShapesRenderer.covers(scene, 25, 26));
    }
}
