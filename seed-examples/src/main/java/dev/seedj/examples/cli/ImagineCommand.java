package dev.seedj.examples.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code seed imagine}: text to image codes (SEED-OPT or SEED-LLaMA), codes to generation embeddings (the tokenizer's
 * decoder), written to a file, and to a PNG: drawn by Stable Diffusion when {@code --diffusion} (or
 * {@code $SEEDJ_DIFFUSION}) names a pipeline, else by the model's {@link PictureDecoder} (SEED-mini).
 *
 * <p>Not thread-safe (one instance per command-line run).
 */
@Command(name = "imagine", mixinStandardHelpOptions = true,
        description = {"Text to image: SEED-OPT or SEED-LLaMA writes 32 image codes for the prompt (printed), the tokenizer's "
                + "decoder turns them into generation embeddings."})
public final class ImagineCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions models;

    @Parameters(index = "0", paramLabel = "PROMPT", description = "what to draw, quoted")
    String prompt;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE",
            description = "write the embeddings: .npy (float32 [N, D]) or .safetensors")
    Path out;

    @Option(names = "--png", paramLabel = "FILE",
            description = "also draw the picture: with Stable Diffusion when --diffusion is given, else with the "
                    + "model's pixel decoder (SEED-mini)")
    Path png;

    @Mixin
    DiffusionOptions diffusion;

    @Override
    public Integer call() {
        if (prompt.isBlank()) {
            throw new CliException("the prompt is empty");
        }
        Path pipeline = diffusion.pipelineFor(png).orElse(null);
        // the picture's decoder is loaded before the slow generation, so a missing or unfit one fails first
        try (PictureDecoder decoder = png == null || pipeline != null ? null
                    : PictureDecoderProvider.find(models.tokenizerDir());
             MultimodalModels opened = MultimodalModels.open(models);
             StableDiffusionPng drawer = pipeline == null ? null
                    : StableDiffusionPng.open(opened.tokenizer(), pipeline, diffusion)) {
            int[] codes = opened.model().generateImageCodes(prompt);
            spec.commandLine().getOut().println(Codes.format(codes));
            if (out != null || decoder != null) {
                float[][] embeddings = opened.tokenizer().detokenize(codes);
                if (out != null) {
                    EmbeddingFiles.write(out, embeddings);
                }
                if (decoder != null) {
                    PngOutput.draw(decoder, embeddings, png);
                }
            }
            if (drawer != null) {
                drawer.draw(codes, png);
            }
        }
        return 0;
    }
}
