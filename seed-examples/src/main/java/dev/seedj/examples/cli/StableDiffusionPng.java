package dev.seedj.examples.cli;

import dev.seedj.core.weights.CheckpointException;
import dev.seedj.diffusion.sampling.SamplerStep;
import dev.seedj.diffusion.sampling.StepListener;
import dev.seedj.multimodal.PictureSettings;
import dev.seedj.multimodal.SeedPictures;
import dev.seedj.tokenizer.SeedTokenizer;
import java.awt.image.BufferedImage;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Draws one image's SEED codes as a PNG with Stable Diffusion ({@link SeedPictures}), with the settings of the
 * {@link DiffusionOptions} and a progress bar per denoising step.
 *
 * <p>Not thread-safe (one command draws one picture at a time).
 */
final class StableDiffusionPng implements AutoCloseable {
    private final SeedPictures pictures;
    private final PictureSettings settings;

    private StableDiffusionPng(SeedPictures pictures, PictureSettings settings) {
        this.pictures = pictures;
        this.settings = settings;
    }

    /**
     * Checks the options, then loads the pipeline.
     *
     * @param tokenizer the SEED tokenizer whose codes are drawn (not closed here)
     * @param pipeline the diffusers folder or CompVis checkpoint
     * @param options the sampling options
     * @return the drawer, owning the pipeline
     * @throws CliException if an option is bad, or the pipeline cannot be loaded or does not fit the tokenizer
     */
    static StableDiffusionPng open(SeedTokenizer tokenizer, Path pipeline, DiffusionOptions options) {
        PictureSettings settings = options.settings(PictureSettings.defaults(tokenizer.config().version()));
        try {
            return new StableDiffusionPng(SeedPictures.open(tokenizer, pipeline, options.inferenceYaml(),
                    options.clipVocabulary()), settings);
        } catch (IllegalArgumentException | CheckpointException | UncheckedIOException e) {
            throw new CliException("cannot use the Stable Diffusion pipeline " + pipeline + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param codes one image's codes
     * @param png the file to write
     * @throws CliException if the codes or the size do not fit, or the file cannot be written
     */
    void draw(int[] codes, Path png) {
        BufferedImage picture;
        try (ProgressListener progress = new ProgressListener()) {
            picture = pictures.picture(codes, settings, progress);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), e);
        }
        PngOutput.write(picture, png);
    }

    /** Frees the pipeline. */
    @Override
    public void close() {
        pictures.close();
    }

    /** A {@link Progress} started at the first step, when the sampler's step count is known. */
    private static final class ProgressListener implements StepListener, AutoCloseable {
        private Progress progress;

        @Override
        public void onStep(SamplerStep step) {
            if (progress == null) {
                progress = Progress.start("denoise", step.total());
            }
            progress.step(1, "t=" + step.timestep());
        }

        @Override
        public void close() {
            if (progress != null) {
                progress.close();
            }
        }
    }
}
