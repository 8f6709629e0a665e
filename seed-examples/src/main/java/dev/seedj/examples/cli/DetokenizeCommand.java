package dev.seedj.examples.cli;

import ai.djl.Device;
import dev.seedj.tokenizer.SeedTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code seed detokenize}: one image's codes to its generation embeddings (v1: 77 x 768 Stable Diffusion
 * text conditioning; v2: 1 x 1024 unCLIP image embedding), written to {@code .npy} or {@code .safetensors},
 * and to a PNG: drawn by Stable Diffusion when {@code --diffusion} (or {@code $SEEDJ_DIFFUSION}) names a pipeline,
 * else by the model's {@link PictureDecoder} (SEED-mini).
 *
 * <p>Not thread-safe (one instance per command-line run).
 */
@Command(name = "detokenize", mixinStandardHelpOptions = true,
        description = {"Turns one image's codes into its generation embeddings [N, D], the size of the model's "
                + "decoder: SEED-mini (the default) 1 x 128, SEED v1 77 x 768 Stable Diffusion conditioning, "
                + "v2 1 x 1024 unCLIP embedding; the output line prints the loaded model's N x D.",
            "Codes: integers in [0, the model's codebook size), separated by spaces or commas, e.g. the codes "
                + "`seed tokenize` printed."})
public final class DetokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TokenizerModelOption models;

    @Mixin
    DtypeOption dtype;

    @Parameters(arity = "1..*", paramLabel = "CODES", description = "the codes, e.g. 12 7 3 ... or 12,7,3,...")
    List<String> codes;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE",
            description = "output file: .npy (float32 [N, D]) or .safetensors (tensor generation_embeds); "
                    + "--out, --png or both")
    Path out;

    @Option(names = "--png", paramLabel = "FILE",
            description = "draw the picture: with Stable Diffusion when --diffusion is given, else with the model's "
                    + "pixel decoder (SEED-mini)")
    Path png;

    @Mixin
    DiffusionOptions diffusion;

    @Override
    public Integer call() {
        if (out == null && png == null) {
            throw new ParameterException(spec.commandLine(),
                    "nothing to write: give --out FILE (.npy or .safetensors), --png FILE, or both");
        }
        int[] parsed = Codes.parse(codes);
        Path modelDir = models.tokenizerDir();
        Path pipeline = diffusion.pipelineFor(png).orElse(null);
        try (PictureDecoder decoder = png == null || pipeline != null ? null : PictureDecoderProvider.find(modelDir);
             SeedTokenizer tokenizer = dtype.tokenizerOnlyType()
                     .map(type -> SeedTokenizer.load(modelDir, Device.cpu(), type))
                     .orElseGet(() -> SeedTokenizer.load(modelDir))) {
            float[][] embeddings;
            try {
                embeddings = tokenizer.detokenize(parsed);
            } catch (IllegalArgumentException e) {
                throw new CliException("bad codes: " + e.getMessage(), e);
            }
            if (out != null) {
                EmbeddingFiles.write(out, embeddings);
                spec.commandLine().getOut().println(out + "\t" + embeddings.length + " x " + embeddings[0].length);
            }
            if (decoder != null) {
                PngOutput.draw(decoder, embeddings, png);
                spec.commandLine().getOut().println(png);
            }
            if (pipeline != null) {
                try (StableDiffusionPng drawer = StableDiffusionPng.open(tokenizer, pipeline, diffusion)) {
                    drawer.draw(parsed, png);
                }
                spec.commandLine().getOut().println(png);
            }
        }
        return 0;
    }
}
