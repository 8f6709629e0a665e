package dev.seedj.examples.cli;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A test {@link PictureDecoderProvider} (registered in the test resources) for model directories holding a file
 * {@value #MARKER}: it draws an N x 1 grey picture whose pixel t is 100 + 100 * sign(embeddings[t][0]).
 */
public final class MarkerPictureDecoderProvider implements PictureDecoderProvider {
    /** The file that marks a model directory as having this decoder. */
    public static final String MARKER = "test-pixel-decoder";

    @Override
    public Optional<PictureDecoder> open(Path tokenizerDir) {
        if (!Files.exists(tokenizerDir.resolve(MARKER))) {
            return Optional.empty();
        }
        return Optional.of(new PictureDecoder() {
            @Override
            public BufferedImage decode(float[][] embeddings) {
                BufferedImage picture = new BufferedImage(embeddings.length, 1, BufferedImage.TYPE_INT_RGB);
                for (int t = 0; t < embeddings.length; t++) {
                    int grey = 100 + 100 * (int) Math.signum(embeddings[t][0]);
                    picture.setRGB(t, 0, grey << 16 | grey << 8 | grey);
                }
                return picture;
            }

            @Override
            public void close() {
            }
        });
    }
}
