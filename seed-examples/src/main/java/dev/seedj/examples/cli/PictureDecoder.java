package dev.seedj.examples.cli;

import java.awt.image.BufferedImage;

/**
 * Turns generation embeddings into a picture: the stand-in for Stable Diffusion that a model directory may
 * carry (SEED-mini's small pixel decoder). The released SEED models have none: their embeddings condition
 * Stable Diffusion, which runs outside SEED-J. Found through {@link PictureDecoderProvider}.
 *
 * <p>Implementations state their own thread-safety; the command-line tool calls one from one thread.
 */
public interface PictureDecoder extends AutoCloseable {
    /**
     * @param generationEmbeddings one image's embeddings [N][D], as {@code SeedTokenizer.detokenize} returns
     * @return the picture
     */
    BufferedImage decode(float[][] generationEmbeddings);

    /** Frees the decoder's weights. */
    @Override
    void close();
}
