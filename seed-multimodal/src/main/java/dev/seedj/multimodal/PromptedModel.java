package dev.seedj.multimodal;

import dev.seedj.core.batch.ItemResult;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * The tasks of a {@link SeedMultimodalModel}, the same for every family: each is its {@link PromptedGeneration}'s.
 * A family adds only how its model and templates are loaded.
 *
 * <p>Thread-safe as its generation is.
 */
abstract class PromptedModel implements SeedMultimodalModel {
    private final PromptedGeneration generation;

    PromptedModel(PromptedGeneration generation) {
        this.generation = generation;
    }

    @Override
    public final String caption(BufferedImage image) {
        return generation.caption(image);
    }

    @Override
    public final List<String> caption(List<BufferedImage> images) {
        return generation.caption(images);
    }

    @Override
    public final List<ItemResult<String>> captionEach(List<BufferedImage> images) {
        return generation.captionEach(images);
    }

    @Override
    public final List<ItemResult<String>> captionFiles(List<Path> files) {
        return generation.captionFiles(files);
    }

    @Override
    public final String answer(BufferedImage image, String question) {
        return generation.answer(image, question);
    }

    @Override
    public final int[] generateImageCodes(String prompt) {
        return generation.generateImageCodes(prompt);
    }

    @Override
    public final float[][] generateConditioning(String prompt) {
        return generation.generateConditioning(prompt);
    }
}
