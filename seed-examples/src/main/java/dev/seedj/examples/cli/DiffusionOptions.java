package dev.seedj.examples.cli;

import dev.seedj.diffusion.sampling.Sampler;
import dev.seedj.multimodal.PictureSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The Stable Diffusion options of {@code seed detokenize --png} and {@code seed imagine --png}: which pipeline draws
 * the picture ({@code --diffusion}, else {@code $SEEDJ_DIFFUSION}) and how ({@code --steps}, {@code --sampler},
 * {@code --guidance}, {@code --seed}, {@code --size}; absent ones keep the SEED version's reference defaults).
 *
 * <p>Not thread-safe (filled by picocli, read by one command).
 */
public final class DiffusionOptions {
    /** The environment variable naming the default Stable Diffusion pipeline. */
    public static final String DIFFUSION_ENV = "SEEDJ_DIFFUSION";

    @Option(names = "--diffusion", paramLabel = "PATH",
            description = "draw the PNG with Stable Diffusion: a diffusers folder (SD 2.1 unCLIP for SEED-2) or a "
                    + "CompVis .ckpt/.safetensors file (sd-v1-4.ckpt for SEED v1); default: $" + DIFFUSION_ENV
                    + "; without either, the model's own pixel decoder (SEED-mini)")
    Path diffusion;

    @Option(names = "--diffusion-yaml", paramLabel = "FILE",
            description = "the inference YAML of a CompVis checkpoint (default: the built-in v1-inference.yaml)")
    Path yaml;

    @Option(names = "--clip-vocab", paramLabel = "PATH",
            description = "CLIP's bpe_simple_vocab_16e6.txt.gz or a tokenizer/ folder, for a CompVis checkpoint's "
                    + "text encoder (diffusers folders carry their own)")
    Path clipVocabulary;

    @Option(names = "--steps", paramLabel = "N",
            description = "denoising steps asked for (default: v1 50, v2 20)")
    Integer steps;

    @Option(names = "--sampler", paramLabel = "NAME",
            description = "plms, ddim, pndm or dpmpp-2m (default: v1 plms, v2 pndm)")
    String sampler;

    @Option(names = "--guidance", paramLabel = "SCALE",
            description = "classifier-free guidance scale (default: v1 7.5, v2 10)")
    Float guidance;

    @Option(names = "--seed", paramLabel = "N", description = "seed of the starting noise (default 0)")
    Long seed;

    @Option(names = "--size", paramLabel = "PIXELS",
            description = "picture width and height, a multiple of 8 (default: v1 512, v2 768)")
    Integer size;

    /**
     * @param png the {@code --png} file, or null when no picture is asked for
     * @return the pipeline that draws the picture: {@code --diffusion}, else {@code $SEEDJ_DIFFUSION}; empty when
     *     neither is given (the model's own pixel decoder draws) or no picture is asked for
     * @throws CliException if Stable Diffusion options are given without a pipeline or without {@code --png}, or the
     *     path does not exist
     */
    public Optional<Path> pipelineFor(Path png) {
        return pipelineFor(png, System.getenv());
    }

    /**
     * @param png the {@code --png} file, or null
     * @param environment the process environment
     * @return the pipeline that draws the picture, if any
     * @throws CliException if options are given without a pipeline or without {@code --png}, or the path is missing
     */
    Optional<Path> pipelineFor(Path png, Map<String, String> environment) {
        boolean samplingOptions = yaml != null || clipVocabulary != null || steps != null || sampler != null
                || guidance != null || seed != null || size != null;
        if (png == null) {
            if (diffusion != null || samplingOptions) {
                throw new CliException("--diffusion and its options draw a picture: give --png FILE");
            }
            return Optional.empty(); // $SEEDJ_DIFFUSION only matters when a picture is asked for
        }
        Path chosen = diffusion;
        if (chosen == null) {
            String fromEnv = environment.get(DIFFUSION_ENV);
            chosen = fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv);
        }
        if (chosen == null) {
            if (samplingOptions) {
                throw new CliException("--diffusion-yaml, --clip-vocab, --steps, --sampler, --guidance, --seed and"
                        + " --size need a Stable Diffusion pipeline: give --diffusion PATH or set " + DIFFUSION_ENV);
            }
            return Optional.empty();
        }
        if (!Files.exists(chosen)) {
            throw new CliException("Stable Diffusion pipeline " + chosen + " does not exist");
        }
        return Optional.of(chosen);
    }

    /**
     * @param defaults the SEED version's reference settings
     * @return them with the options given on the command line
     * @throws CliException naming the bad option
     */
    public PictureSettings settings(PictureSettings defaults) {
        PictureSettings s = defaults;
        try {
            if (sampler != null) {
                s = s.withSampler(sampler(sampler));
            }
            if (steps != null) {
                s = s.withSteps(steps);
            }
            if (guidance != null) {
                s = s.withGuidanceScale(guidance);
            }
            if (seed != null) {
                s = s.withSeed(seed);
            }
            if (size != null) {
                s = s.withSize(size, size);
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), e);
        }
        return s;
    }

    /** @return the inference YAML given, or null */
    public Path inferenceYaml() {
        return yaml;
    }

    /** @return the CLIP vocabulary given, or null */
    public Path clipVocabulary() {
        return clipVocabulary;
    }

    /**
     * @param name {@code plms}, {@code ddim}, {@code pndm} or {@code dpmpp-2m} (any case)
     * @return the sampler
     * @throws CliException for another name
     */
    static Sampler sampler(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "plms" -> Sampler.PLMS;
            case "ddim" -> Sampler.DDIM;
            case "pndm" -> Sampler.PNDM;
            case "dpmpp-2m" -> Sampler.DPMPP_2M;
            default -> throw new CliException("unknown sampler '" + name + "': plms, ddim, pndm or dpmpp-2m");
        };
    }
}
