package dev.seedj.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 1 (samplers): CompVis PLMS and DDIM against sd-v1-tiny's recorded runs (S = 5, guidance 7.5, eta 0),
 * replaying the recorded UNet calls.
 */
class CompVisSamplerOracleTest {
    /** Per-step values (up to 27) carry only the sampler's own float32 rounding: the denoiser is replayed. */
    private static final double STEP_TOL = 2e-6;
    /** sd-v1-tiny's tolerance guide for the end of sampling. */
    private static final double FINAL_TOL = 1e-4;

    private static StateDict expected;
    private static SchedulerConfig config;
    private static NDManager manager;

    @BeforeAll
    static void open() {
        expected = StateDict.open(Oracle.path("sd-v1-tiny", "expected.safetensors"));
        try (StateDict ckpt = StateDict.open(Oracle.path("sd-v1-tiny", "sd.safetensors"))) {
            config = SchedulerConfig.compVis(NoiseSchedule.ofAlphasCumprod(ckpt.getFloats("alphas_cumprod")),
                    PredictionType.EPSILON);
        }
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
        expected.close();
    }

    @Test
    void linearScheduleEqualsTheCheckpointBuffers() {
        try (StateDict ckpt = StateDict.open(Oracle.path("sd-v1-tiny", "sd.ckpt"))) {
            NoiseSchedule computed = NoiseSchedule.compVisLinear(0.00085, 0.012, 1000);
            assertArrayEquals(ckpt.getFloats("alphas_cumprod"), computed.alphasCumprod());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plms", "ddim"})
    void scheduleTensorsMatch(String name) {
        DdimSchedule s = DdimSchedule.of(5, config.schedule(), 0);
        assertArrayEquals(expected.get(name + ".ddim_timesteps", manager).toLongArray(),
                java.util.Arrays.stream(s.timesteps()).asLongStream().toArray());
        assertArrayEquals(expected.getFloats(name + ".ddim_alphas"), s.alphas());
        assertArrayEquals(expected.getFloats(name + ".ddim_sqrt_one_minus_alphas"), s.sqrtOneMinusAlphas());
        float[] prev = expected.getFloats(name + ".ddim_alphas_prev"); // float64 read as float32
        float[] sigmas = expected.getFloats(name + ".ddim_sigmas");
        for (int i = 0; i < prev.length; i++) {
            assertEquals(prev[i], (float) s.alphasPrev()[i], name + " alphas_prev " + i);
            assertEquals(sigmas[i], (float) s.sigmas()[i], name + " sigmas " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plms", "ddim"})
    void everyStepMatchesTheReference(String name) {
        Sampler sampler = name.equals("plms") ? Sampler.PLMS : Sampler.DDIM;
        try (NDManager m = manager.newSubManager()) {
            NDArray c = expected.get("in.sample.c", m);
            NDArray uc = expected.get("in.sample.uc", m);
            NDArray xT = expected.get("in.sample.x_T", m);
            float[] cIn = NDArrays.concat(new NDList(uc, c), 0).toFloatArray();
            ReplayDenoiser replay = new ReplayDenoiser(expected, name + ".call",
                    new String[] {"x_in", "t_in", "model_out"}, cIn, null, STEP_TOL);
            List<String> checked = new ArrayList<>();
            SampleRequest request = SampleRequest.builder().sampler(sampler).steps(5).guidanceScale(7.5f).eta(0f)
                    .conditioning(c).unconditional(uc).initialLatents(xT).build();
            NDArray samples = DiffusionSampling.sample(request, replay, config, null, step -> {
                String p = name + ".step" + step.index() + ".";
                assertEquals(expected.get(p + "t", m).toLongArray()[0], step.timestep(), p + "t");
                assertEquals(expected.get(p + "index", m).getLong(), step.total() - 1 - step.index(), p + "index");
                Oracle.assertClose(p + "x", expected.get(p + "x", m), step.x(), STEP_TOL);
                Oracle.assertClose(p + "x_prev", expected.get(p + "x_prev", m), step.xPrev(), STEP_TOL);
                Oracle.assertClose(p + "pred_x0", expected.get(p + "pred_x0", m), step.predX0OrNull(), STEP_TOL);
                if (sampler == Sampler.PLMS) {
                    Oracle.assertClose(p + "e_t", expected.get(p + "e_t", m), step.modelOutput(), STEP_TOL);
                }
                checked.add(p);
            }, m);
            assertEquals(5, checked.size());
            assertEquals(sampler == Sampler.PLMS ? 6 : 5, replay.calls());
            assertEquals(replay.calls(), DiffusionSampling.denoiserCalls(sampler, 5, config));
            Oracle.assertClose(name + ".samples", expected.get(name + ".samples", m), samples, FINAL_TOL);
        }
    }
}
