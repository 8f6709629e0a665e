package dev.seedj.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Acceptance 3 (bad input): the request's checks, and seeded latents. */
class SampleRequestTest {
    private static final SchedulerConfig CONFIG = SchedulerConfig.compVis(
            NoiseSchedule.compVisLinear(0.00085, 0.012, 1000), PredictionType.EPSILON);
    private static NDManager m;
    private static NDArray c;

    @BeforeAll
    static void open() {
        m = NDManager.newBaseManager();
        c = m.ones(new Shape(2, 77, 8));
    }

    @AfterAll
    static void close() {
        m.close();
    }

    private static SampleRequest.Builder valid() {
        return SampleRequest.builder().sampler(Sampler.DDIM).steps(5).guidanceScale(7.5f).conditioning(c)
                .unconditional(c.zerosLike()).latentShape(4, 8, 8);
    }

    private static String failure(SampleRequest.Builder b) {
        return assertThrows(IllegalArgumentException.class, b::build).getMessage();
    }

    @Test
    void badRequestsAreRefusedAtBuildTime() {
        assertEquals("steps must be at least 1, got 0", failure(valid().steps(0)));
        assertEquals("unconditional context (2, 77, 9) does not match the conditioning (2, 77, 8) (both [B, 77, D])",
                failure(valid().unconditional(m.zeros(new Shape(2, 77, 9)))));
        assertEquals("conditioning must be [B, 77, D], got (2, 77)",
                failure(valid().conditioning(m.zeros(new Shape(2, 77))).unconditional(null).guidanceScale(1f)));
        assertEquals("classifier-free guidance (scale 7.5) needs the unconditional context",
                failure(valid().unconditional(null)));
        assertEquals("PLMS requires eta = 0 (as CompVis' PLMSSampler), got 0.5",
                failure(valid().sampler(Sampler.PLMS).eta(0.5f)));
        assertEquals("without initial latents, latentShape(channels, height, width) is required",
                failure(valid().latentShape(0, 0, 0)));
        assertEquals("initial latents must be [2, C, H, W] for a conditioning batch of 2, got (1, 4, 8, 8)",
                failure(valid().latentShape(0, 0, 0).initialLatents(m.zeros(new Shape(1, 4, 8, 8)))));
        assertEquals("noise is only used with imageEmbeds", failure(valid().noise(m.zeros(new Shape(2, 4)))));
        assertEquals("image embeddings must be [2, E], got (3, 4)", failure(valid().imageEmbeds(m.zeros(new Shape(3, 4)))));
        assertEquals("noise (2, 5) does not match the image embeddings (2, 4)",
                failure(valid().imageEmbeds(m.zeros(new Shape(2, 4))).noise(m.zeros(new Shape(2, 5)))));
        assertEquals("noise level must be >= 0, got -1", failure(valid().noiseLevel(-1)));
        assertThrows(NullPointerException.class, () -> valid().sampler(null).build());
    }

    @Test
    void stepCountsTheScheduleCannotRunAreRefusedBeforeAnyCall() {
        Denoiser never = (x, t, ctx, l, mm) -> {
            throw new AssertionError("not called");
        };
        SampleRequest request = valid().steps(333).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DiffusionSampling.sample(request, never, CONFIG, m));
        assertEquals(true, e.getMessage().contains("reaches timestep 1000"), e.getMessage());
    }

    @Test
    void aDenoiserReturningTheWrongShapeIsAClearError() {
        Denoiser wrong = (x, t, ctx, l, mm) -> mm.zeros(new Shape(1, 4, 8, 8));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DiffusionSampling.sample(valid().build(), wrong, CONFIG, m));
        assertEquals("the denoiser returned float32 (1, 4, 8, 8), expected float32 (4, 4, 8, 8)", e.getMessage());
    }

    @Test
    void seededLatentsAreReproducibleAndGuidanceBatchesUncondFirst() {
        float[][] first = new float[1][];
        Denoiser recorder = (x, t, ctx, l, mm) -> {
            assertEquals(4, x.getShape().get(0));
            assertArrayEquals(x.get("0:2").toFloatArray(), x.get("2:4").toFloatArray());
            assertEquals(0f, ctx.get("0:2").abs().sum().getFloat()); // [uc; c]: the zeros first
            assertEquals(2 * 77 * 8, ctx.get("2:4").sum().getFloat());
            if (first[0] == null) {
                first[0] = x.get("0:2").toFloatArray();
            }
            return x.zerosLike();
        };
        try (NDManager scope = m.newSubManager()) {
            DiffusionSampling.sample(valid().seed(7).build(), recorder, CONFIG, scope);
            float[] drawn = new GaussianNoise(7).draw(new Shape(2, 4, 8, 8), scope).toFloatArray();
            assertArrayEquals(drawn, first[0]);
            float mean = 0;
            for (float v : drawn) {
                mean += v / drawn.length;
            }
            assertEquals(0, mean, 0.15);
        }
    }
}
