package dev.seedj.diffusion.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The exact noise prediction for data x0 ~ N(mu, s^2) (every element independent): with
 * {@code x_t = sqrt(a) x0 + sqrt(1 - a) eps}, {@code E[eps | x_t] = sqrt(1 - a) (x_t - sqrt(a) mu) / (a s^2 + 1 - a)}.
 * Its probability-flow ODE keeps {@code z = (x_t - sqrt(a) mu) / sqrt(a s^2 + 1 - a)} constant, so the exact
 * end point of any deterministic sampler is known.
 */
final class GaussianDataDenoiser implements Denoiser {
    private final NoiseSchedule schedule;
    private final double mu;
    private final double s;

    GaussianDataDenoiser(NoiseSchedule schedule, double mu, double s) {
        this.schedule = schedule;
        this.mu = mu;
        this.s = s;
    }

    @Override
    public NDArray predict(NDArray x, NDArray t, NDArray context, NDArray classLabels, NDManager manager) {
        double a = schedule.alphaCumprod((int) t.toLongArray()[0]);
        NDArray eps = x.sub((float) (Math.sqrt(a) * mu)).mul((float) (Math.sqrt(1 - a) / (a * s * s + 1 - a)));
        eps.attach(manager);
        return eps;
    }

    /**
     * @param xStart the latents at alpha_bar {@code aStart}
     * @param aStart alpha_bar where the sampler starts
     * @param aEnd alpha_bar where it ends
     * @return the exact ODE solution at {@code aEnd}
     */
    float[] exactEnd(float[] xStart, double aStart, double aEnd) {
        float[] out = new float[xStart.length];
        for (int i = 0; i < out.length; i++) {
            double z = (xStart[i] - Math.sqrt(aStart) * mu) / Math.sqrt(aStart * s * s + 1 - aStart);
            out[i] = (float) (Math.sqrt(aEnd) * mu + Math.sqrt(aEnd * s * s + 1 - aEnd) * z);
        }
        return out;
    }
}
