package dev.seedj.examples.cli;

import ai.djl.ndarray.NDManager;
import dev.seedj.examples.mini.PixelDecoder;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Offers SEED-mini's {@link PixelDecoder} (the small stand-in for Stable Diffusion that SEED-mini trains with
 * its tokenizer) to the command-line tool, for tokenizer directories that hold one
 * ({@value PixelDecoder#CONFIG_FILE} + {@value PixelDecoder#WEIGHTS_FILE}). Registered in
 * {@code META-INF/services}.
 *
 * <p>Stateless and thread-safe; each decoder it opens is used from one thread.
 */
public final class SeedMiniPictureDecoderProvider implements PictureDecoderProvider {

    @Override
    public Optional<PictureDecoder> open(Path tokenizerDir) {
        if (!PixelDecoder.existsIn(tokenizerDir)) {
            return Optional.empty();
        }
        NDManager manager = NDManager.newBaseManager();
        PixelDecoder decoder;
        try {
            decoder = PixelDecoder.load(tokenizerDir, manager);
        } catch (RuntimeException e) {
            manager.close();
            throw new CliException("cannot load the pixel decoder in " + tokenizerDir + ": " + e.getMessage(), e);
        }
        return Optional.of(new PictureDecoder() {
            @Override
            public BufferedImage decode(float[][] generationEmbeddings) {
                int d = generationEmbeddings[0].length;
                float[] flat = new float[generationEmbeddings.length * d]; // [N * D]
                for (int t = 0; t < generationEmbeddings.length; t++) {
                    System.arraycopy(generationEmbeddings[t], 0, flat, t * d, d);
                }
                return decoder.draw(flat, manager);
            }

            @Override
            public void close() {
                manager.close();
            }
        });
    }
}
