package dev.seedj.diffusion.sampling;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The training timesteps each sampler visits for a requested step count, exactly as the references compute them.
 * The count actually run can differ from the count asked for (CompVis: {@code S = 7} runs 8 steps).
 *
 * <p>Stateless and thread-safe.
 */
public final class Timesteps {
    private Timesteps() {
    }

    /**
     * CompVis {@code make_ddim_timesteps("uniform", S, T)}: {@code range(0, T, T // S) + 1}, ascending. PLMS and DDIM
     * run them from the last to the first.
     *
     * @param steps S, at least 1
     * @param trainTimesteps T
     * @return the timesteps, ascending
     * @throws IllegalArgumentException if {@code T // S < 1} or the spacing reaches timestep T (the reference then
     *     fails with an index error too, e.g. S = 333 or 111 for T = 1000)
     */
    public static int[] compVisUniform(int steps, int trainTimesteps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        int stride = trainTimesteps / steps;
        if (stride < 1) {
            throw new IllegalArgumentException(steps + " steps exceed the " + trainTimesteps + " training timesteps");
        }
        int count = (trainTimesteps + stride - 1) / stride; // len(range(0, T, stride))
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = i * stride + 1;
        }
        if (out[count - 1] >= trainTimesteps) {
            throw new IllegalArgumentException("with " + steps + " steps the CompVis spacing range(0, " + trainTimesteps
                    + ", " + stride + ") + 1 reaches timestep " + out[count - 1] + ", outside the schedule (the"
                    + " reference fails with an index error too); choose another step count");
        }
        return out;
    }

    /**
     * diffusers {@code PNDMScheduler.set_timesteps} with {@code skip_prk_steps}: the spaced timesteps, descending,
     * with the first one repeated ({@code [751, 501, 501, 251, 1]} for 4 steps, leading, offset 1).
     *
     * @param steps {@code num_inference_steps}
     * @param config spacing and offset
     * @return the timesteps in the order they run (one denoiser call each)
     */
    public static int[] pndm(int steps, SchedulerConfig config) {
        int[] base = spaced(steps, config); // ascending
        int n = base.length;
        int[] plms = new int[n == 1 ? 1 : n + 1];
        // concatenate(base[:-1], base[-2:-1], base[-1:])[::-1]
        int k = 0;
        for (int i = 0; i < n - 1; i++) {
            plms[k++] = base[i];
        }
        if (n >= 2) {
            plms[k++] = base[n - 2];
        }
        plms[k] = base[n - 1];
        return reversed(plms);
    }

    /**
     * diffusers {@code DPMSolverMultistepScheduler.set_timesteps} ({@code lambda_min_clipped} = -inf): S + 1 spaced
     * points without the last, descending, duplicates removed.
     *
     * @param steps {@code num_inference_steps}
     * @param config spacing and offset
     * @return the timesteps in the order they run
     */
    public static int[] dpmSolver(int steps, SchedulerConfig config) {
        requireSteps(steps, config);
        int t = config.schedule().trainTimesteps();
        int[] out;
        switch (config.timestepSpacing()) {
            case LINSPACE -> {
                double[] points = numpyLinspace(0, t - 1, steps + 1);
                out = new int[steps];
                for (int i = 0; i < steps; i++) {
                    out[i] = (int) Math.rint(points[steps - i]);
                }
            }
            case LEADING -> {
                int ratio = t / (steps + 1);
                out = new int[steps];
                for (int i = 0; i < steps; i++) {
                    out[i] = (steps - i) * ratio + config.stepsOffset();
                }
            }
            case TRAILING -> {
                double[] points = numpyArange(t, 0, -(double) t / steps);
                out = new int[points.length];
                for (int i = 0; i < points.length; i++) {
                    out[i] = (int) Math.rint(points[i]) - 1;
                }
            }
            default -> throw new IllegalStateException(config.timestepSpacing().toString());
        }
        Set<Integer> unique = new LinkedHashSet<>();
        for (int v : out) {
            unique.add(v);
        }
        return check(unique.stream().mapToInt(Integer::intValue).toArray(), t);
    }

    /** diffusers' spaced timesteps ({@code self._timesteps} of PNDM), ascending. */
    static int[] spaced(int steps, SchedulerConfig config) {
        requireSteps(steps, config);
        int t = config.schedule().trainTimesteps();
        int[] out = new int[steps];
        switch (config.timestepSpacing()) {
            case LEADING -> {
                int ratio = t / steps;
                for (int i = 0; i < steps; i++) {
                    out[i] = i * ratio + config.stepsOffset();
                }
            }
            case LINSPACE -> {
                double[] points = numpyLinspace(0, t - 1, steps);
                for (int i = 0; i < steps; i++) {
                    out[i] = (int) Math.rint(points[i]);
                }
            }
            case TRAILING -> {
                double[] points = numpyArange(t, 0, -(double) t / steps);
                int n = points.length;
                out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = (int) Math.rint(points[n - 1 - i]) - 1;
                }
            }
            default -> throw new IllegalStateException(config.timestepSpacing().toString());
        }
        return check(out, t);
    }

    private static void requireSteps(int steps, SchedulerConfig config) {
        int t = config.schedule().trainTimesteps();
        if (steps < 1 || steps > t) {
            throw new IllegalArgumentException("steps must be in [1, " + t + "], got " + steps);
        }
    }

    private static int[] check(int[] timesteps, int trainTimesteps) {
        for (int v : timesteps) {
            if (v < 0 || v >= trainTimesteps) {
                throw new IllegalArgumentException("the spacing gives timestep " + v + ", outside [0, " + trainTimesteps
                        + "): " + Arrays.toString(timesteps) + " (check steps_offset and the step count)");
            }
        }
        return timesteps;
    }

    /** {@code np.linspace(start, stop, n)}: {@code arange(n) * step + start}, the last point exactly {@code stop}. */
    private static double[] numpyLinspace(double start, double stop, int n) {
        double[] out = new double[n];
        if (n == 1) {
            out[0] = start;
            return out;
        }
        double step = (stop - start) / (n - 1);
        for (int i = 0; i < n; i++) {
            out[i] = i * step + start;
        }
        out[n - 1] = stop;
        return out;
    }

    /** {@code np.arange(start, stop, step)} for a float step: {@code ceil((stop - start) / step)} points. */
    private static double[] numpyArange(double start, double stop, double step) {
        int n = (int) Math.ceil((stop - start) / step);
        double[] out = new double[Math.max(n, 0)];
        for (int i = 0; i < out.length; i++) {
            out[i] = start + i * step;
        }
        return out;
    }

    private static int[] reversed(int[] a) {
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[a.length - 1 - i];
        }
        return out;
    }
}
