package dev.seedj.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import dev.seedj.diffusion.sampling.SampleRequest;
import dev.seedj.diffusion.sampling.Sampler;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link StableDiffusion#sample} with the real UNet of each pipeline, end to end against the reference: sd-v1-tiny's
 * PLMS and DDIM runs (guidance 7.5) and sd-unclip-tiny's PNDM v-prediction run with noise augmentation (guidance
 * 10), through to the decoded uint8 pictures.
 */
class EndToEndSamplingTest {
    /** At the end of sampling (the fixture's fp32-vs-fp64 guide: at most 9e-5 on values up to 25). */
    private static final double FINAL_TOL = 1e-4;
    /**
     * unCLIP runs guidance 10 on a UNet whose single pass differs from the reference by up to ~1.5e-5 (float
     * rounding order), so the final latents carry about ten times that: measured 1.04e-4 on one element.
     */
    private static final double UNCLIP_FINAL_TOL = 2e-4;

    @ParameterizedTest
    @EnumSource(value = Sampler.class, names = {"PLMS", "DDIM"})
    void compVisSamplersMatchTheReference(Sampler sampler) {
        String name = sampler.name().toLowerCase(java.util.Locale.ROOT);
        try (StableDiffusion sd = StableDiffusion.load(Oracle.path("sd-v1-tiny", "sd.ckpt"), CompVisParityTest.tinyYaml());
                StateDict expected = StateDict.open(Oracle.path("sd-v1-tiny", "expected.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            SampleRequest request = SampleRequest.builder().sampler(sampler).steps(5).guidanceScale(7.5f).eta(0f)
                    .conditioning(expected.get("in.sample.c", m)).unconditional(expected.get("in.sample.uc", m))
                    .initialLatents(expected.get("in.sample.x_T", m)).build();
            AtomicInteger steps = new AtomicInteger();
            NDArray latents = sd.sample(request, step -> steps.incrementAndGet(), m);
            assertEquals(5, steps.get());
            assertEquals(5, sd.stepCount(request));
            Oracle.assertClose(name + ".samples", expected.get(name + ".samples", m), latents, FINAL_TOL);
            NDArray decoded = sd.decodeLatents(latents, m);
            Oracle.assertClose(name + ".decoded", expected.get(name + ".decoded", m), decoded, FINAL_TOL);
        }
    }

    @Test
    void unclipPipelineMatchesTheReference() {
        try (StableDiffusion sd = StableDiffusion.load(Oracle.path(DiffusersFolders.CASE));
                StateDict expected = StateDict.open(Oracle.path(DiffusersFolders.CASE, "expected.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            NDArray labels = sd.noiseImageEmbeddings(expected.get("in.noise.image_embeds", m), 0,
                    expected.get("in.noise.noise", m), m);
            Oracle.assertClose("noise.class_labels", expected.get("noise.class_labels", m), labels, 1e-5);
            SampleRequest request = SampleRequest.builder().sampler(Sampler.PNDM).steps(4).guidanceScale(10f)
                    .noiseLevel(0).conditioning(expected.get("in.pipe.prompt_embeds", m))
                    .unconditional(expected.get("in.pipe.negative_prompt_embeds", m))
                    .initialLatents(expected.get("in.pipe.latents", m))
                    .imageEmbeds(expected.get("in.pipe.image_embeds", m))
                    .noise(expected.get("in.pipe.generator_noise", m)).build();
            NDArray latents = sd.sample(request, m);
            Oracle.assertClose("pipe.final_latents", expected.get("pipe.final_latents", m), latents, UNCLIP_FINAL_TOL);
            NDArray decoded = sd.decodeLatents(latents, m);
            Oracle.assertClose("pipe.decoded", expected.get("pipe.decoded", m), decoded, UNCLIP_FINAL_TOL);
            // a value on a rounding boundary may land one level off after 4 guided steps
            long[] u8 = expected.get("pipe.u8", m).toLongArray(); // [B, H, W, 3]
            java.awt.image.BufferedImage[] pictures = sd.toImages(decoded);
            int w = pictures[0].getWidth();
            int h = pictures[0].getHeight();
            assertEquals(u8.length, 3L * w * h * pictures.length);
            for (int i = 0; i < u8.length; i++) {
                int pixel = i / 3;
                int rgb = pictures[pixel / (w * h)].getRGB(pixel % w, (pixel / w) % h);
                int value = (rgb >> (16 - 8 * (i % 3))) & 0xff;
                assertTrue(Math.abs(value - u8[i]) <= 1, "pipe.u8 element " + i + ": " + value + " vs " + u8[i]);
            }
        }
    }

    @Test
    void imageEmbeddingsNeedAnUnclipPipeline() {
        try (StableDiffusion sd = StableDiffusion.load(Oracle.path("sd-v1-tiny", "sd.ckpt"), CompVisParityTest.tinyYaml());
                NDManager m = NDManager.newBaseManager()) {
            NDArray e = m.zeros(new ai.djl.ndarray.types.Shape(1, 8));
            IllegalStateException error = assertThrows(IllegalStateException.class,
                    () -> sd.noiseImageEmbeddings(e, 0, e, m));
            assertEquals("this pipeline has no image_normalizer/: not a Stable unCLIP pipeline", error.getMessage());
        }
    }
}
