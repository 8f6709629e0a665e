package dev.seedj.examples.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Service-provider interface through which a model family plugs its {@link PictureDecoder} into the
 * command-line tool: list the implementation in
 * {@code META-INF/services/dev.seedj.examples.cli.PictureDecoderProvider}; {@code seed detokenize --png}
 * and {@code seed imagine --png} ask every provider, in class-path order, for the model directory in use.
 *
 * <p>Implementations must be thread-safe and cheap to construct.
 */
public interface PictureDecoderProvider {
    /**
     * @param tokenizerDir the image tokenizer's model directory
     * @return a decoder if this provider recognises a pixel decoder in that directory, else empty
     */
    Optional<PictureDecoder> open(Path tokenizerDir);

    /**
     * @param tokenizerDir the image tokenizer's model directory
     * @return the first decoder any provider offers for it
     * @throws CliException if none does
     */
    static PictureDecoder find(Path tokenizerDir) {
        for (PictureDecoderProvider provider : ServiceLoader.load(PictureDecoderProvider.class)) {
            Optional<PictureDecoder> decoder = provider.open(tokenizerDir);
            if (decoder.isPresent()) {
                return decoder.get();
            }
        }
        throw new CliException("the model in " + tokenizerDir + " has no pixel decoder, so no PNG can be drawn; "
                + "write the embeddings with --out and condition Stable Diffusion with them");
    }
}
