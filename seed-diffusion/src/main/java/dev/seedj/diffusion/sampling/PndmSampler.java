package dev.seedj.diffusion.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers 0.20.2 {@code PNDMScheduler} with {@code skip_prk_steps} ({@code step_plms}), in the loop of
 * {@code StableUnCLIPImg2ImgPipeline}. The first spaced timestep is run twice: the second call evaluates the model
 * at the first step's result and averages the two outputs (pseudo improved Euler), then linear multistep of order
 * 2, 3 and 4 on the stored outputs. Each update is {@code _get_prev_sample} (PNDM paper, eq. 9), with a velocity
 * first turned into a noise prediction: {@code e = sqrt(a_t) v + sqrt(1 - a_t) x}.
 *
 * <p>Not thread-safe: one run at a time.
 */
final class PndmSampler {
    /** {@code self.ets = self.ets[-3:]} before appending: at most four outputs are combined. */
    private static final int KEPT_BEFORE_APPEND = 3;

    private final SchedulerConfig config;
    private final int steps;

    /**
     * @param config the scheduler configuration
     * @param steps {@code num_inference_steps}
     */
    PndmSampler(SchedulerConfig config, int steps) {
        this.config = config;
        this.steps = steps;
    }

    /**
     * @param xT the starting latents (not freed); PNDM's {@code init_noise_sigma} is 1
     * @param model the guided denoiser
     * @param listener told after each step, or null
     * @param run owns the result
     * @return the final latents
     */
    NDArray run(NDArray xT, GuidedModel model, StepListener listener, NDManager run) {
        int[] timesteps = Timesteps.pndm(steps, config);
        int stride = config.schedule().trainTimesteps() / steps; // num_train_timesteps // num_inference_steps
        List<NDArray> ets = new ArrayList<>(); // oldest first
        NDArray curSample = null;
        NDArray x = xT;
        for (int counter = 0; counter < timesteps.length; counter++) {
            int timestep = timesteps[counter];
            NDArray xPrev;
            NDArray stored = null;
            NDArray keptSample = null;
            if (counter != 1) {
                while (ets.size() > KEPT_BEFORE_APPEND) {
                    ets.remove(0).close();
                }
            }
            try (NDManager step = run.newSubManager()) {
                x.tempAttach(step);
                ets.forEach(e -> e.tempAttach(step));
                if (curSample != null) {
                    curSample.tempAttach(step);
                }
                NDArray modelOutput = model.output(x, timestep, step);
                int from = timestep;
                int to = timestep - stride;
                NDArray sample = x;
                NDArray combined;
                if (counter != 1) {
                    stored = modelOutput;
                    ets.add(modelOutput);
                } else {
                    to = timestep;
                    from = timestep + stride;
                }
                int n = ets.size();
                if (n == 1 && counter == 0) {
                    combined = modelOutput;
                    keptSample = x;
                } else if (n == 1 && counter == 1) {
                    combined = modelOutput.add(ets.get(0)).div(2f);
                    sample = curSample;
                } else if (n == 2) {
                    combined = ets.get(1).mul(3f).sub(ets.get(0)).div(2f);
                } else if (n == 3) {
                    combined = ets.get(2).mul(23f).sub(ets.get(1).mul(16f)).add(ets.get(0).mul(5f)).div(12f);
                } else {
                    combined = ets.get(3).mul(55f).sub(ets.get(2).mul(59f)).add(ets.get(1).mul(37f))
                            .sub(ets.get(0).mul(9f)).mul(1f / 24f);
                }
                xPrev = previousSample(sample, from, to, combined);
                if (listener != null) {
                    listener.onStep(new SamplerStep(counter, timesteps.length, timestep, x, modelOutput, xPrev, null));
                }
                xPrev.attach(run);
                if (stored != null) {
                    stored.attach(run);
                }
            }
            if (counter == 1 && curSample != null) {
                if (curSample != xT) {
                    curSample.close();
                }
                curSample = null;
            }
            if (keptSample != null) {
                curSample = keptSample; // x of the first step, kept for the second
            } else if (x != xT && x != curSample) {
                x.close();
            }
            x = xPrev;
        }
        ets.forEach(NDArray::close);
        if (curSample != null && curSample != xT) {
            curSample.close();
        }
        return x;
    }

    /** {@code _get_prev_sample}: from timestep {@code from} to {@code to} (negative: the final alpha). */
    private NDArray previousSample(NDArray sample, int from, int to, NDArray modelOutput) {
        NoiseSchedule schedule = config.schedule();
        float alphaProdT = schedule.alphaCumprod(from);
        float alphaProdTPrev = to >= 0 ? schedule.alphaCumprod(to)
                : config.setAlphaToOne() ? 1f : schedule.alphaCumprod(0);
        float betaProdT = 1f - alphaProdT;
        float betaProdTPrev = 1f - alphaProdTPrev;
        NDArray eps = modelOutput;
        if (config.predictionType() == PredictionType.V_PREDICTION) {
            eps = modelOutput.mul(sqrt(alphaProdT)).add(sample.mul(sqrt(betaProdT)));
        }
        float sampleCoeff = sqrt(alphaProdTPrev / alphaProdT);
        float denomCoeff = alphaProdT * sqrt(betaProdTPrev) + sqrt(alphaProdT * betaProdT * alphaProdTPrev);
        // sample_coeff * sample - (alpha_prod_t_prev - alpha_prod_t) * model_output / model_output_denom_coeff
        return sample.mul(sampleCoeff).sub(eps.mul(alphaProdTPrev - alphaProdT).div(denomCoeff));
    }

    /** float32 {@code x ** 0.5}: the double square root rounded to float is the correctly rounded float one. */
    private static float sqrt(float x) {
        return (float) Math.sqrt(x);
    }
}
