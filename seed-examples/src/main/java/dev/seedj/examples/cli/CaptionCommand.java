package dev.seedj.examples.cli;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code seed caption}: describes an image with SEED-OPT (the image becomes {@code <img>} + its codes +
 * {@code </img>} in the prompt).
 *
 * <p>Not thread-safe (one instance per command-line run).
 */
@Command(name = "caption", mixinStandardHelpOptions = true,
        description = "Describes an image with SEED-OPT (image tokenizer + language model).")
public final class CaptionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions models;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "the image file")
    Path image;

    @Override
    public Integer call() {
        BufferedImage picture = ImageInputs.read(image);
        try (MultimodalModels opened = MultimodalModels.open(models)) {
            spec.commandLine().getOut().println(opened.seedOpt().caption(picture));
        }
        return 0;
    }
}
