package dev.seedj.examples.shapes;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * One (image, caption) training or test pair of shapes-64, with the scene it was rendered from.
 *
 * <p>The record is immutable but the {@link BufferedImage} it holds is not: a caller that draws on the
 * image changes it for every holder. Safe to share between threads as long as nobody writes to the image.
 *
 * @param scene the scene
 * @param image its rendering by {@link ShapesRenderer#render(ShapeScene)}
 */
public record ShapeSample(ShapeScene scene, BufferedImage image) {

    /**
     * Rejects a null scene or image.
     *
     * @param scene the scene
     * @param image its rendering by {@link ShapesRenderer#render(ShapeScene)}
     */
    public ShapeSample {
        Objects.requireNonNull(scene, "scene");
        Objects.requireNonNull(image, "image");
    }

    /** @return the scene's caption */
    public String caption() {
        return scene.caption();
    }
}
