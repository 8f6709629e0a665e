package dev.seedj.examples.cli;

import dev.seedj.multimodal.SeedOpt;
import java.awt.image.BufferedImage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code seed ask}: answers a question about an image with SEED-OPT.
 *
 * <p>Not thread-safe (one instance per command-line run).
 */
@Command(name = "ask", mixinStandardHelpOptions = true,
        description = "Answers a question about an image with SEED-OPT.")
public final class AskCommand extends ImageTextCommand {
    @Parameters(index = "1", paramLabel = "QUESTION", description = "the question, quoted")
    String question;

    /**
     * Checks the question, then answers it.
     *
     * @return the exit code, 0
     */
    @Override
    public Integer call() {
        if (question.isBlank()) {
            throw new CliException("the question is empty");
        }
        return super.call();
    }

    @Override
    String respond(SeedOpt seedOpt, BufferedImage picture) {
        return seedOpt.answer(picture, question);
    }
}
