package dev.seedj.examples.cli;

import dev.seedj.multimodal.SeedMultimodalModel;
import java.awt.image.BufferedImage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code seed ask}: answers a question about an image with SEED-OPT or SEED-LLaMA.
 *
 * <p>Not thread-safe (one instance per command-line run).
 */
@Command(name = "ask", mixinStandardHelpOptions = true,
        description = "Answers a question about an image with SEED-OPT or SEED-LLaMA (--llm picks the model).")
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
    String respond(SeedMultimodalModel model, BufferedImage picture) {
        return model.answer(picture, question);
    }
}
