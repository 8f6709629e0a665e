package dev.seedj.diffusion.sampling;

/**
 * The per-step coefficients of CompVis' DDIM and PLMS samplers ({@code make_schedule}), in the reference's dtypes:
 * {@code ddim_alphas} and {@code ddim_sqrt_one_minus_alphas} float32, {@code ddim_alphas_prev} and
 * {@code ddim_sigmas} float64 (the samplers round them to float32 where they use them).
 *
 * <p>Immutable (the arrays are never exposed for writing outside this package) and thread-safe.
 *
 * @param timesteps {@code ddim_timesteps}, ascending
 * @param alphas {@code alphas_cumprod[ddim_timesteps]}
 * @param alphasPrev {@code [alphas_cumprod[0]] + alphas_cumprod[ddim_timesteps[:-1]]}
 * @param sigmas {@code eta * sqrt((1 - a_prev) / (1 - a) * (1 - a / a_prev))}
 * @param sqrtOneMinusAlphas {@code sqrt(1 - alphas)}
 */
record DdimSchedule(int[] timesteps, float[] alphas, double[] alphasPrev, double[] sigmas, float[] sqrtOneMinusAlphas) {

    /**
     * @param steps S
     * @param schedule the model's {@code alphas_cumprod}
     * @param eta DDIM's eta
     * @return the coefficients
     */
    static DdimSchedule of(int steps, NoiseSchedule schedule, double eta) {
        int[] ts = Timesteps.compVisUniform(steps, schedule.trainTimesteps());
        int n = ts.length;
        float[] alphas = new float[n];
        double[] alphasPrev = new double[n];
        double[] sigmas = new double[n];
        float[] sqrtOneMinus = new float[n];
        for (int i = 0; i < n; i++) {
            alphas[i] = schedule.alphaCumprod(ts[i]);
            alphasPrev[i] = i == 0 ? schedule.alphaCumprod(0) : schedule.alphaCumprod(ts[i - 1]);
            double oneMinusA = 1f - alphas[i]; // float32 tensor arithmetic, then promoted to float64
            sigmas[i] = eta * Math.sqrt((1 - alphasPrev[i]) / oneMinusA * (1 - alphas[i] / alphasPrev[i]));
            sqrtOneMinus[i] = (float) Math.sqrt(1f - alphas[i]);
        }
        return new DdimSchedule(ts, alphas, alphasPrev, sigmas, sqrtOneMinus);
    }
}
