package dev.seedj.diffusion.sampling;

import java.util.Arrays;

/**
 * The forward-process noise schedule of a diffusion model: {@code alphas_cumprod[t]} for the training timesteps
 * {@code t = 0 .. T-1}, held as the float32 values the references index (the samplers read nothing else).
 *
 * <p>The factories reproduce how each reference computes it: CompVis {@code register_schedule} works in float64 and
 * stores float32 buffers; diffusers schedulers compute betas in float32 and take {@code torch.cumprod}, whose CPU
 * kernel accumulates in float64 and rounds each element to float32.
 *
 * <p>Immutable and thread-safe.
 */
public final class NoiseSchedule {
    /** diffusers' {@code betas_for_alpha_bar} cap on a single beta. */
    private static final double MAX_BETA = 0.999;
    /** The cosine schedule's offset {@code s} (Nichol and Dhariwal). */
    private static final double COSINE_S = 0.008;

    private final float[] alphasCumprod;

    private NoiseSchedule(float[] alphasCumprod) {
        if (alphasCumprod.length < 2) {
            throw new IllegalArgumentException("a noise schedule needs at least 2 timesteps, got " + alphasCumprod.length);
        }
        for (int t = 0; t < alphasCumprod.length; t++) {
            float a = alphasCumprod[t];
            if (!(a > 0f && a <= 1f)) {
                throw new IllegalArgumentException("alphas_cumprod[" + t + "] = " + a + " is not in (0, 1]");
            }
        }
        this.alphasCumprod = alphasCumprod;
    }

    /**
     * CompVis {@code make_beta_schedule("linear")} as Stable Diffusion v1/v2 configure it:
     * {@code betas = linspace(sqrt(linear_start), sqrt(linear_end), T, float64)^2},
     * {@code alphas_cumprod = cumprod(1 - betas)} in float64, stored as float32.
     *
     * @param linearStart {@code linear_start} (SD: 0.00085)
     * @param linearEnd {@code linear_end} (SD: 0.012)
     * @param timesteps {@code timesteps} (SD: 1000)
     * @return the schedule
     */
    public static NoiseSchedule compVisLinear(double linearStart, double linearEnd, int timesteps) {
        double[] roots = linspace64(Math.sqrt(linearStart), Math.sqrt(linearEnd), timesteps);
        float[] out = new float[timesteps];
        double cumprod = 1.0;
        for (int t = 0; t < timesteps; t++) {
            cumprod *= 1.0 - roots[t] * roots[t];
            out[t] = (float) cumprod;
        }
        return new NoiseSchedule(out);
    }

    /**
     * A diffusers scheduler's {@code beta_schedule}: {@code linear} ({@code linspace(beta_start, beta_end, T)}),
     * {@code scaled_linear} ({@code linspace(sqrt(beta_start), sqrt(beta_end), T)^2}) or {@code squaredcos_cap_v2}
     * ({@code betas_for_alpha_bar}, cosine, betas capped at 0.999; the start and end are ignored), all in float32.
     *
     * @param betaSchedule the schedule's name
     * @param betaStart {@code beta_start}
     * @param betaEnd {@code beta_end}
     * @param timesteps {@code num_train_timesteps}
     * @return the schedule
     * @throws IllegalArgumentException for another schedule name
     */
    public static NoiseSchedule diffusers(String betaSchedule, double betaStart, double betaEnd, int timesteps) {
        float[] betas = switch (betaSchedule) {
            case "linear" -> linspace32((float) betaStart, (float) betaEnd, timesteps);
            case "scaled_linear" -> {
                float[] roots = linspace32((float) Math.sqrt(betaStart), (float) Math.sqrt(betaEnd), timesteps);
                float[] squares = new float[timesteps];
                for (int t = 0; t < timesteps; t++) {
                    squares[t] = roots[t] * roots[t];
                }
                yield squares;
            }
            case "squaredcos_cap_v2" -> cosineBetas(timesteps);
            default -> throw new IllegalArgumentException("unsupported beta_schedule '" + betaSchedule
                    + "' (expected linear, scaled_linear or squaredcos_cap_v2)");
        };
        return ofBetas(betas);
    }

    /**
     * diffusers' {@code trained_betas} or any float32 betas: {@code alphas = 1 - betas} in float32, then
     * {@code torch.cumprod} (float64 accumulator, float32 elements).
     *
     * @param betas one beta per training timestep, each in [0, 1)
     * @return the schedule
     */
    public static NoiseSchedule ofBetas(float[] betas) {
        float[] out = new float[betas.length];
        double cumprod = 1.0;
        for (int t = 0; t < betas.length; t++) {
            if (!(betas[t] >= 0f && betas[t] < 1f)) {
                throw new IllegalArgumentException("beta[" + t + "] = " + betas[t] + " is not in [0, 1)");
            }
            cumprod *= 1f - betas[t];
            out[t] = (float) cumprod;
        }
        return new NoiseSchedule(out);
    }

    /**
     * A schedule given as its cumulative products, e.g. the {@code alphas_cumprod} buffer of a CompVis checkpoint
     * (the CompVis samplers read exactly that buffer).
     *
     * @param alphasCumprod one value per training timestep, each in (0, 1]
     * @return the schedule
     */
    public static NoiseSchedule ofAlphasCumprod(float[] alphasCumprod) {
        return new NoiseSchedule(alphasCumprod.clone());
    }

    /** @return the number of training timesteps T */
    public int trainTimesteps() {
        return alphasCumprod.length;
    }

    /**
     * @param t a training timestep in [0, T)
     * @return {@code alphas_cumprod[t]} (float32)
     * @throws IllegalArgumentException if {@code t} is out of range
     */
    public float alphaCumprod(int t) {
        if (t < 0 || t >= alphasCumprod.length) {
            throw new IllegalArgumentException("timestep " + t + " is outside [0, " + alphasCumprod.length + ")");
        }
        return alphasCumprod[t];
    }

    /** @return a copy of {@code alphas_cumprod} */
    public float[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NoiseSchedule other && Arrays.equals(alphasCumprod, other.alphasCumprod);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(alphasCumprod);
    }

    @Override
    public String toString() {
        return "NoiseSchedule[T=" + alphasCumprod.length + ", alphas_cumprod[0]=" + alphasCumprod[0]
                + ", alphas_cumprod[T-1]=" + alphasCumprod[alphasCumprod.length - 1] + "]";
    }

    /** {@code torch.linspace(start, end, n, dtype=float64)}: the first half counts up from start, the rest down from end. */
    private static double[] linspace64(double start, double end, int n) {
        double[] out = new double[n];
        double step = (end - start) / (n - 1);
        int halfway = n / 2;
        for (int i = 0; i < n; i++) {
            out[i] = i < halfway ? start + step * i : end - step * (n - 1 - i);
        }
        return out;
    }

    /** {@code torch.linspace(start, end, n, dtype=float32)}, computed in float32 as its CPU kernel does. */
    private static float[] linspace32(float start, float end, int n) {
        float[] out = new float[n];
        float step = (end - start) / (n - 1);
        int halfway = n / 2;
        for (int i = 0; i < n; i++) {
            out[i] = i < halfway ? start + step * i : end - step * (n - 1 - i);
        }
        return out;
    }

    /** diffusers {@code betas_for_alpha_bar(T, max_beta=0.999, "cosine")}, in float64 then float32. */
    private static float[] cosineBetas(int n) {
        float[] betas = new float[n];
        for (int i = 0; i < n; i++) {
            double t1 = (double) i / n;
            double t2 = (double) (i + 1) / n;
            betas[i] = (float) Math.min(1 - alphaBar(t2) / alphaBar(t1), MAX_BETA);
        }
        return betas;
    }

    private static double alphaBar(double t) {
        double c = Math.cos((t + COSINE_S) / (1 + COSINE_S) * Math.PI / 2);
        return c * c;
    }
}
