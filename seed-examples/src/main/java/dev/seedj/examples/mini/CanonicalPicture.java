package dev.seedj.examples.mini;

import dev.seedj.examples.shapes.ShapeScene;
import dev.seedj.examples.shapes.ShapeSize;
import dev.seedj.examples.shapes.ShapesRenderer;
import java.awt.image.BufferedImage;

/**
 * SEED-mini's generation target: the canonical picture of what a scene's caption says, i.e. the scene rendered with
 * its shape, colour, size and background but centred and with the middle box side of its size range (20 px small,
 * 42 px large). The caption fixes exactly this picture, while the position jitter and the box side within its range
 * are details that the stage-1 features, trained for the caption's semantics, do not keep; regressing them would
 * only teach the pixel decoder to blur (as Stable Diffusion draws what the conditioning says, not a given layout).
 *
 * <p>Stateless and thread-safe.
 */
public final class CanonicalPicture {
    private CanonicalPicture() {}

    /**
     * @param scene any scene
     * @return the centred scene of the same attributes with the middle box side
     */
    public static ShapeScene of(ShapeScene scene) {
        ShapeSize size = scene.size();
        int middle = ShapeScene.IMAGE_SIZE / 2;
        return new ShapeScene(scene.shape(), scene.colour(), size, scene.background(),
                (size.minBox() + size.maxBox()) / 2, middle, middle);
    }

    /**
     * @param scene any scene
     * @return 1 inside the canonical picture's bounding box (where the three shapes of that size differ), 0 outside,
     *     [64 * 64] row-major
     */
    public static float[] boxMask(ShapeScene scene) {
        ShapeScene canonical = of(scene);
        int side = ShapeScene.IMAGE_SIZE;
        float[] mask = new float[side * side];
        for (int y = canonical.top(); y < canonical.top() + canonical.box(); y++) {
            for (int x = canonical.left(); x < canonical.left() + canonical.box(); x++) {
                mask[y * side + x] = 1f;
            }
        }
        return mask;
    }

    /**
     * @param scene any scene
     * @return its canonical picture
     */
    public static BufferedImage render(ShapeScene scene) {
        return ShapesRenderer.render(of(scene));
    }
}
