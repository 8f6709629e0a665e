package dev.seedj.examples.cli;

import dev.seedj.multimodal.SeedMultimodalModel;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * A command about one image ({@code seed ask}): the model options and the {@code IMAGE} parameter; reads the
 * image, opens the models and prints the multimodal model's text about the image.
 *
 * <p>Not thread-safe (one instance per command-line run).
 */
abstract class ImageTextCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions models;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "the image file")
    Path image;

    /**
     * Reads the image, opens the models and prints {@link #respond}'s text.
     *
     * @return the exit code, 0
     */
    @Override
    public Integer call() {
        BufferedImage picture = ImageInputs.read(image);
        try (MultimodalModels opened = MultimodalModels.open(models)) {
            spec.commandLine().getOut().println(respond(opened.model(), picture));
        }
        return 0;
    }

    /**
     * @param model the opened SEED-OPT or SEED-LLaMA
     * @param picture the image
     * @return the text to print
     */
    abstract String respond(SeedMultimodalModel model, BufferedImage picture);
}
