package dev.seedj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.core.testing.Oracle;
import dev.seedj.diffusion.TinyPipelines;
import dev.seedj.diffusion.sampling.Sampler;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code seed detokenize --png} and {@code seed imagine --png} with {@code --diffusion}: the bundled SEED-mini (a v2
 * tokenizer with 128-wide image embeddings) into a tiny Stable unCLIP folder the test writes, at 16 x 16 (the tiny VAE halves once: an
 * 8 x 8 latent) with 2 steps.
 */
class StableDiffusionCommandsTest {
    private static final Path SEED_MINI = Path.of("..", "models", "seed-mini").toAbsolutePath().normalize();
    private static final String TOKENIZER = SEED_MINI.resolve("tokenizer").toString();

    @TempDir
    static Path temp;
    private static String pipeline;
    private static String codes;

    @BeforeAll
    static void writePipeline() {
        pipeline = TinyPipelines.unclipFolder(temp.resolve("unclip"), 128, 11).toString();
        codes = Codes.format(new java.util.Random(4).ints(32, 0, 256).toArray());
    }

    private static CliRun detokenize(Path png, String... options) {
        List<String> args = new java.util.ArrayList<>(List.of("detokenize", "--model", TOKENIZER, codes, "--png",
                png.toString()));
        args.addAll(List.of(options));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void detokenizeDrawsTheRequestedSizeReproducibly(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first.png");
        Path again = dir.resolve("again.png");
        String[] fast = {"--diffusion", pipeline, "--steps", "2", "--size", "16", "--sampler", "dpmpp-2m"};
        CliRun run = detokenize(first, with(fast, "--seed", "3"));
        assertEquals(0, run.status(), run.err());
        assertEquals(List.of(first.toString()), run.outLines());
        BufferedImage picture = ImageIO.read(first.toFile());
        assertEquals(16, picture.getWidth());
        assertEquals(16, picture.getHeight());
        assertEquals(0, detokenize(again, with(fast, "--seed", "3")).status());
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(again), "same --seed, same bytes");

        // the SEED-2 defaults (PNDM) with another size, guidance and seed
        Path wide = dir.resolve("wide.png");
        CliRun pndm = detokenize(wide, "--diffusion", pipeline, "--steps", "2", "--size", "32", "--guidance", "3",
                "--seed", "4");
        assertEquals(0, pndm.status(), pndm.err());
        assertEquals(32, ImageIO.read(wide.toFile()).getWidth());
    }

    @Test
    void imagineDrawsWithStableDiffusion(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("circle.png");
        CliRun run = CliRun.of("imagine", "--model", TOKENIZER, "--llm", SEED_MINI.resolve("llm").toString(),
                "a red circle", "--png", png.toString(), "--diffusion", pipeline, "--steps", "2", "--size", "16");
        assertEquals(0, run.status(), run.err());
        assertEquals(1, run.outLines().size()); // the codes
        assertEquals(16, ImageIO.read(png.toFile()).getHeight());
    }

    @Test
    void badOptionsGiveOneClearLine(@TempDir Path dir) {
        Path png = dir.resolve("x.png");
        assertRefused(detokenize(png, "--diffusion", pipeline, "--size", "20"),
                "seed detokenize: picture size must be positive multiples of 8 (the VAE's downscale factor), got 20 x 20");
        assertRefused(detokenize(png, "--diffusion", pipeline, "--steps", "0"),
                "seed detokenize: steps must be at least 1, got 0");
        assertRefused(detokenize(png, "--diffusion", pipeline, "--sampler", "euler"),
                "seed detokenize: unknown sampler 'euler': plms, ddim, pndm or dpmpp-2m");
        assertRefused(detokenize(png, "--steps", "5"),
                "seed detokenize: --diffusion-yaml, --clip-vocab, --steps, --sampler, --guidance, --seed and --size"
                        + " need a Stable Diffusion pipeline: give --diffusion PATH or set SEEDJ_DIFFUSION");
        assertRefused(detokenize(png, "--diffusion", dir.resolve("nowhere").toString()),
                "seed detokenize: Stable Diffusion pipeline " + dir.resolve("nowhere") + " does not exist");
        assertRefused(CliRun.of("detokenize", "--model", TOKENIZER, codes, "--out", dir.resolve("e.npy").toString(),
                "--diffusion", pipeline), "seed detokenize: --diffusion and its options draw a picture: give --png FILE");
        // sd-v1-tiny: a CompVis checkpoint whose YAML has no text encoder, and whose context does not fit SEED-mini
        CliRun compVis = detokenize(png, "--diffusion", Oracle.path("sd-v1-tiny", "sd.ckpt").toString(),
                "--diffusion-yaml", TinyPipelines.sdV1TinyYaml(dir).toString());
        assertRefused(compVis, "seed detokenize: cannot use the Stable Diffusion pipeline "
                + Oracle.path("sd-v1-tiny", "sd.ckpt") + ": the inference YAML of " + Oracle.path("sd-v1-tiny", "sd.ckpt")
                + " has no text encoder (cond_stage_config is torch.nn.Identity): load the pipeline yourself and give"
                + " the context of \"\" to SeedPictures.of");
        assertFalse(Files.exists(png));
    }

    @Test
    void theEnvironmentNamesTheDefaultPipeline() {
        DiffusionOptions options = new DiffusionOptions();
        Path png = Path.of("x.png");
        assertEquals(Path.of(pipeline), options.pipelineFor(png, Map.of(DiffusionOptions.DIFFUSION_ENV, pipeline))
                .orElseThrow());
        assertTrue(options.pipelineFor(png, Map.of()).isEmpty());
        assertTrue(options.pipelineFor(null, Map.of(DiffusionOptions.DIFFUSION_ENV, pipeline)).isEmpty(),
                "no --png: the environment's pipeline is not loaded");
        assertEquals(Sampler.DPMPP_2M, DiffusionOptions.sampler("DPMPP-2M"));
    }

    private static String[] with(String[] options, String... more) {
        String[] all = java.util.Arrays.copyOf(options, options.length + more.length);
        System.arraycopy(more, 0, all, options.length, more.length);
        return all;
    }

    private static void assertRefused(CliRun run, String line) {
        assertEquals(SeedCli.EXIT_FAILURE, run.status(), run.err());
        assertEquals(List.of(line), run.errLines());
    }
}
