package dev.seedj.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Acceptance 3 (bad input): each case gets an exception that names the problem, and loading leaves nothing open. */
class BadInputTest {
    private static StableDiffusion v1;
    private static StableDiffusion unclip;
    private static NDManager m;

    @TempDir
    Path temp;

    @BeforeAll
    static void load() {
        v1 = StableDiffusion.load(Oracle.path("sd-v1-tiny", "sd.safetensors"), CompVisParityTest.tinyYaml());
        unclip = StableDiffusion.load(Oracle.path(DiffusersFolders.CASE));
        m = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        v1.close();
        unclip.close();
        m.close();
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks '" + part + "'");
        }
    }

    @Test
    void wrongConditioningShapeIsRefused() {
        NDArray x = m.zeros(new Shape(2, 4, 8, 8));
        NDArray t = m.create(new long[] {1, 2});
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> v1.unet(x, t, m.zeros(new Shape(2, 77, 768)), null, m)), "conditioning", "32");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> v1.unet(x, t, m.zeros(new Shape(3, 77, 32)), null, m)), "conditioning", "B = 2");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> v1.unet(x, t, m.zeros(new Shape(2, 32)), null, m)), "conditioning");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> v1.unet(x, m.create(new long[] {1, 2, 3}), m.zeros(new Shape(2, 77, 32)), null, m)),
                "timesteps");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> v1.unet(x, t, m.zeros(new Shape(2, 77, 32)), m.zeros(new Shape(2, 32)), m)), "class");
        NDArray context = m.zeros(new Shape(2, 77, 32));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> unclip.unet(x, t, context, null, m)),
                "class labels [B, 32]");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> unclip.unet(x, t, context, m.zeros(new Shape(2, 16)), m)), "class labels");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> v1.unet(m.zeros(new Shape(2, 3, 8, 8)), t, context, null, m)), "[B, 4, H, W]");
    }

    @Test
    void badSampleRequestsAreRefusedBeforeAnyStep() {
        java.util.concurrent.atomic.AtomicInteger steps = new java.util.concurrent.atomic.AtomicInteger();
        NDArray c = m.zeros(new Shape(1, 77, 32));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> v1.sample(
                dev.seedj.diffusion.sampling.SampleRequest.builder().steps(0).conditioning(c).unconditional(c)
                        .latentShape(4, 2, 2).build(), step -> steps.incrementAndGet(), m)), "steps must be at least 1");
        NDArray wide = m.zeros(new Shape(1, 77, 768));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> v1.sample(
                dev.seedj.diffusion.sampling.SampleRequest.builder().steps(2).conditioning(wide).unconditional(wide)
                        .latentShape(4, 2, 2).build(), step -> steps.incrementAndGet(), m)), "conditioning", "32");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> v1.sample(
                dev.seedj.diffusion.sampling.SampleRequest.builder().steps(2).conditioning(c).unconditional(c)
                        .latentShape(4, 3, 2).build(), step -> steps.incrementAndGet(), m)), "multiples of 2");
        NDArray e = m.zeros(new Shape(1, 8)); // sd-unclip-tiny embeds 16 features
        assertMessage(assertThrows(IllegalArgumentException.class, () -> unclip.sample(
                dev.seedj.diffusion.sampling.SampleRequest.builder().sampler(dev.seedj.diffusion.sampling.Sampler.PNDM)
                        .steps(2).guidanceScale(10f).conditioning(c).unconditional(c).imageEmbeds(e)
                        .latentShape(4, 2, 2).build(), step -> steps.incrementAndGet(), m)),
                "image embeddings must be [B, 16], got (1, 8)");
        assertEquals(0, steps.get());
    }

    @Test
    void sizesThatDoNotDivideAreRefused() {
        NDArray t = m.create(new long[] {1});
        NDArray context = m.zeros(new Shape(1, 77, 32));
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> v1.unet(m.zeros(new Shape(1, 4, 7, 8)), t, context, null, m)), "multiples of 2");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> v1.encodeMoments(m.zeros(new Shape(1, 3, 15, 16)), m)), "multiples of 2");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> v1.decodeLatents(m.zeros(new Shape(1, 3, 8, 8)), m)), "latents");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> v1.toImages(m.zeros(new Shape(1, 4, 8, 8)))), "[B, 3, H, W]");
    }

    @Test
    void aYamlThatDoesNotMatchTheCheckpointIsRefused() throws IOException {
        Path checkpoint = Oracle.path("sd-v1-tiny", "sd.ckpt");
        // the built-in v1-inference.yaml describes the released 320-channel UNet
        assertMessage(assertThrows(CheckpointException.class, () -> StableDiffusion.loadV1(checkpoint)),
                "does not match the inference YAML", "built-in v1-inference.yaml", "UNet");
        Path wrongContext = Files.writeString(temp.resolve("ctx.yaml"),
                Files.readString(CompVisParityTest.tinyYaml()).replace("context_dim: 32", "context_dim: 768"));
        assertMessage(assertThrows(CheckpointException.class, () -> StableDiffusion.load(checkpoint, wrongContext)),
                "does not match", "attn2.to_k.weight");
        Path wrongVae = Files.writeString(temp.resolve("vae.yaml"),
                Files.readString(CompVisParityTest.tinyYaml()).replace("num_res_blocks: 1\n          attn", "num_res_blocks: 2\n          attn"));
        assertMessage(assertThrows(CheckpointException.class, () -> StableDiffusion.load(checkpoint, wrongVae)),
                "does not match", "VAE", "lacks");
        Path notSd = Files.writeString(temp.resolve("other.yaml"), "model:\n  target: ldm.models.autoencoder.VQModel\n");
        assertMessage(assertThrows(CheckpointException.class, () -> StableDiffusion.load(checkpoint, notSd)),
                "model.target", "LatentDiffusion");
        Path broken = Files.writeString(temp.resolve("broken.yaml"), "model: [unclosed\n");
        assertMessage(assertThrows(CheckpointException.class, () -> StableDiffusion.load(checkpoint, broken)),
                "not a valid YAML");
        assertMessage(assertThrows(CheckpointException.class,
                () -> StableDiffusion.load(temp.resolve("missing.ckpt"), CompVisParityTest.tinyYaml())), "missing.ckpt");
    }

    @Test
    void aFolderWithAMissingComponentIsRefused() {
        for (String component : List.of("unet", "vae", "scheduler", "image_normalizer")) {
            Path folder = DiffusersFolders.linkedCopy(temp.resolve("without-" + component), ".safetensors",
                    List.of(component));
            assertMessage(assertThrows(CheckpointException.class, () -> StableDiffusion.load(folder)),
                    "'" + component + "'", "missing");
        }
        Path noIndex = DiffusersFolders.linkedCopy(temp.resolve("no-index"), ".bin", List.of("model_index.json"));
        assertMessage(assertThrows(CheckpointException.class, () -> StableDiffusion.load(noIndex)), "model_index.json");
        assertMessage(assertThrows(CheckpointException.class,
                () -> StableDiffusion.load(Oracle.path("sd-v1-tiny", "sd.ckpt"))), "not a directory");
    }

    @Test
    void aClosedPipelineRefusesCalls() {
        StableDiffusion sd = StableDiffusion.load(Oracle.path("sd-v1-tiny", "sd.safetensors"),
                CompVisParityTest.tinyYaml());
        sd.close();
        assertThrows(IllegalStateException.class, () -> sd.decodeLatents(m.zeros(new Shape(1, 4, 8, 8)), m));
    }
}
