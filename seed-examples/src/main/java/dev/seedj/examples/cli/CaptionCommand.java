package dev.seedj.examples.cli;

import dev.seedj.multimodal.SeedOpt;
import java.awt.image.BufferedImage;
import picocli.CommandLine.Command;

/**
 * {@code seed caption}: describes an image with SEED-OPT (the image becomes {@code <img>} + its codes +
 * {@code </img>} in the prompt).
 *
 * <p>Not thread-safe (one instance per command-line run).
 */
@Command(name = "caption", mixinStandardHelpOptions = true,
        description = "Describes an image with SEED-OPT (image tokenizer + language model).")
public final class CaptionCommand extends ImageTextCommand {

    @Override
    String respond(SeedOpt seedOpt, BufferedImage picture) {
        return seedOpt.caption(picture);
    }
}
