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
 * {@code seed ask}: answers a question about an image with SEED-OPT.
 *
 * <p>Not thread-safe (one instance per command-line run).
 */
@Command(name = "ask", mixinStandardHelpOptions = true,
        description = "Answers a question about an image with SEED-OPT.")
public final class AskCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions models;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "the image file")
    Path image;

    @Parameters(index = "1", paramLabel = "QUESTION", description = "the question, quoted")
    String question;

    @Override
    public Integer call() {
        if (question.isBlank()) {
            throw new CliException("the question is empty");
        }
        BufferedImage picture = ImageInputs.read(image);
        try (MultimodalModels opened = MultimodalModels.open(models)) {
            spec.commandLine().getOut().println(opened.seedOpt().answer(picture, question));
        }
        return 0;
    }
}
