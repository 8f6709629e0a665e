package dev.seedj.examples.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Writes pictures as PNG files, e.g. generation embeddings drawn by a {@link PictureDecoder}.
 *
 * <p>Stateless; thread-safe.
 */
final class PngOutput {
    private PngOutput() {
    }

    /**
     * @param decoder the model's pixel decoder
     * @param embeddings one image's generation embeddings [N][D]
     * @param file the PNG to write
     * @throws CliException if the file cannot be written
     */
    static void draw(PictureDecoder decoder, float[][] embeddings, Path file) {
        write(decoder.decode(embeddings), file);
    }

    /**
     * @param picture the picture
     * @param file the PNG to write
     * @throws CliException if the file cannot be written
     */
    static void write(BufferedImage picture, Path file) {
        try {
            if (!ImageIO.write(picture, "png", file.toFile())) {
                throw new CliException("no PNG writer for a " + picture.getType() + " image");
            }
        } catch (IOException e) {
            throw new CliException("cannot write " + file + ": " + e, e);
        }
    }
}
