package dev.seedj.diffusion.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * DPM-Solver++ (2M) (Lu et al. 2022) as diffusers 0.20.2 {@code DPMSolverMultistepScheduler} runs it with
 * {@code algorithm_type "dpmsolver++"}, {@code solver_order 2}, {@code solver_type "midpoint"},
 * {@code lower_order_final true}, no thresholding and no Karras sigmas. With {@code alpha_t = sqrt(a_t)},
 * {@code sigma_t = sqrt(1 - a_t)}, {@code lambda_t = log(alpha_t) - log(sigma_t)} and the data prediction
 * {@code x0} of each step:
 * <pre>
 * h = lambda_t - lambda_s0
 * first order:  x_t = (sigma_t / sigma_s0) x - alpha_t (exp(-h) - 1) x0
 * second order: r0 = (lambda_s0 - lambda_s1) / h, D1 = (x0 - x0_prev) / r0,
 *               x_t = (sigma_t / sigma_s0) x - alpha_t (exp(-h) - 1) x0 - 0.5 alpha_t (exp(-h) - 1) D1
 * </pre>
 * The first step and, for fewer than 15 steps, the last step are first order; the last step ends at timestep 0.
 *
 * <p>Not thread-safe: one run at a time.
 */
final class DpmSolverSampler {
    /** diffusers applies {@code lower_order_final} only below this many steps. */
    private static final int LOWER_ORDER_FINAL_BELOW = 15;

    private final SchedulerConfig config;
    private final int steps;

    /**
     * @param config the scheduler configuration
     * @param steps {@code num_inference_steps}
     */
    DpmSolverSampler(SchedulerConfig config, int steps) {
        this.config = config;
        this.steps = steps;
    }

    /**
     * @param xT the starting latents (not freed); {@code init_noise_sigma} is 1
     * @param model the guided denoiser
     * @param listener told after each step, or null
     * @param run owns the result
     * @return the final latents
     */
    NDArray run(NDArray xT, GuidedModel model, StepListener listener, NDManager run) {
        int[] timesteps = Timesteps.dpmSolver(steps, config);
        int n = timesteps.length;
        boolean lowerOrderFinal = n < LOWER_ORDER_FINAL_BELOW;
        NDArray previousX0 = null;
        NDArray x = xT;
        for (int i = 0; i < n; i++) {
            int s0 = timesteps[i];
            int t = i == n - 1 ? 0 : timesteps[i + 1];
            NDArray xPrev;
            NDArray x0;
            try (NDManager step = run.newSubManager()) {
                x.tempAttach(step);
                if (previousX0 != null) {
                    previousX0.tempAttach(step);
                }
                NDArray modelOutput = model.output(x, s0, step);
                x0 = dataPrediction(modelOutput, x, s0);
                boolean firstOrder = previousX0 == null || (lowerOrderFinal && i == n - 1);
                float alphaT = alpha(t);
                float sigmaT = sigma(t);
                float h = lambda(t) - lambda(s0);
                float expm = (float) Math.exp(-h) - 1f; // torch.exp(-h) - 1.0 in float32
                NDArray base = x.mul(sigmaT / sigma(s0)).sub(x0.mul(alphaT * expm));
                if (firstOrder) {
                    xPrev = base;
                } else {
                    int s1 = timesteps[i - 1];
                    float r0 = (lambda(s0) - lambda(s1)) / h;
                    NDArray d1 = x0.sub(previousX0).mul(1f / r0);
                    xPrev = base.sub(d1.mul(0.5f * (alphaT * expm)));
                }
                if (listener != null) {
                    listener.onStep(new SamplerStep(i, n, s0, x, modelOutput, xPrev, x0));
                }
                xPrev.attach(run);
                x0.attach(run);
            }
            if (previousX0 != null) {
                previousX0.close();
            }
            previousX0 = x0;
            if (x != xT) {
                x.close();
            }
            x = xPrev;
        }
        if (previousX0 != null) {
            previousX0.close();
        }
        return x;
    }

    /** {@code convert_model_output} for dpmsolver++: the predicted clean latents. */
    private NDArray dataPrediction(NDArray modelOutput, NDArray x, int t) {
        float alphaT = alpha(t);
        float sigmaT = sigma(t);
        return config.predictionType() == PredictionType.V_PREDICTION
                ? x.mul(alphaT).sub(modelOutput.mul(sigmaT))
                : x.sub(modelOutput.mul(sigmaT)).div(alphaT);
    }

    private float alpha(int t) {
        return (float) Math.sqrt(config.schedule().alphaCumprod(t));
    }

    private float sigma(int t) {
        return (float) Math.sqrt(1f - config.schedule().alphaCumprod(t));
    }

    private float lambda(int t) {
        return (float) Math.log(alpha(t)) - (float) Math.log(sigma(t));
    }
}
