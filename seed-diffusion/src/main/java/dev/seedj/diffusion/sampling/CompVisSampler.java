package dev.seedj.diffusion.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * CompVis latent-diffusion {@code DDIMSampler} and {@code PLMSSampler} ({@code ldm/models/diffusion/{ddim,plms}.py})
 * with uniform discretisation, as SEED v1 runs them. Both walk {@code ddim_timesteps} from the last to the first;
 * step {@code i} uses schedule index {@code n - 1 - i}:
 * <pre>
 * pred_x0 = (x - sqrt(1 - a_t) e) / sqrt(a_t)
 * x_prev  = sqrt(a_prev) pred_x0 + sqrt(1 - a_prev - sigma_t^2) e + sigma_t noise
 * </pre>
 * DDIM uses the guided noise prediction {@code e_t}; PLMS uses a multistep combination {@code e'}: the mean of
 * {@code e_t} and a second evaluation at {@code (x_prev, t_next)} on the first step (pseudo improved Euler), then
 * Adams-Bashforth {@code (3 e_t - e_1) / 2}, {@code (23 e_t - 16 e_1 + 5 e_2) / 12},
 * {@code (55 e_t - 59 e_1 + 37 e_2 - 9 e_3) / 24} on the previous steps' {@code e_t}.
 *
 * <p>Not thread-safe: one run at a time.
 */
final class CompVisSampler {
    /** PLMS keeps the last three {@code e_t} (the reference pops at four). */
    private static final int PLMS_HISTORY = 3;

    private final boolean plms;
    private final DdimSchedule schedule;
    private final GaussianNoise noise;

    /**
     * @param plms PLMS (else DDIM)
     * @param schedule the coefficients for the requested steps and eta
     * @param noise draws DDIM's noise when eta &gt; 0
     */
    CompVisSampler(boolean plms, DdimSchedule schedule, GaussianNoise noise) {
        this.plms = plms;
        this.schedule = schedule;
        this.noise = noise;
    }

    /**
     * @param xT the starting latents [B, C, H, W] (not freed)
     * @param model the guided denoiser
     * @param listener told after each step, or null
     * @param run owns the result
     * @return the final latents
     */
    NDArray run(NDArray xT, GuidedModel model, StepListener listener, NDManager run) {
        int[] ts = schedule.timesteps();
        int n = ts.length;
        Deque<NDArray> oldEps = new ArrayDeque<>(); // newest first
        NDArray x = xT;
        for (int i = 0; i < n; i++) {
            int index = n - i - 1;
            int t = ts[index];
            int tNext = ts[Math.max(index - 1, 0)]; // time_range[min(i + 1, n - 1)]
            NDArray xPrev;
            try (NDManager step = run.newSubManager()) {
                x.tempAttach(step);
                oldEps.forEach(e -> e.tempAttach(step));
                NDArray eT = model.epsilon(x, t, step);
                NDArray ePrime = eT;
                if (plms) {
                    List<NDArray> old = new ArrayList<>(oldEps);
                    ePrime = switch (old.size()) {
                        case 0 -> {
                            NDArray firstPrev = update(x, eT, index, step)[0];
                            NDArray eNext = model.epsilon(firstPrev, tNext, step);
                            yield eT.add(eNext).div(2f);
                        }
                        case 1 -> eT.mul(3f).sub(old.get(0)).div(2f);
                        case 2 -> eT.mul(23f).sub(old.get(0).mul(16f)).add(old.get(1).mul(5f)).div(12f);
                        default -> eT.mul(55f).sub(old.get(0).mul(59f)).add(old.get(1).mul(37f))
                                .sub(old.get(2).mul(9f)).div(24f);
                    };
                }
                NDArray[] prevAndX0 = update(x, ePrime, index, step);
                xPrev = prevAndX0[0];
                if (listener != null) {
                    listener.onStep(new SamplerStep(i, n, t, x, eT, xPrev, prevAndX0[1]));
                }
                xPrev.attach(run);
                if (plms) {
                    eT.attach(run);
                    oldEps.addFirst(eT);
                }
            }
            if (oldEps.size() > PLMS_HISTORY) {
                oldEps.removeLast().close();
            }
            if (x != xT) {
                x.close();
            }
            x = xPrev;
        }
        oldEps.forEach(NDArray::close);
        return x;
    }

    /** {@code get_x_prev_and_pred_x0} / {@code p_sample_ddim}: returns {x_prev, pred_x0}. */
    private NDArray[] update(NDArray x, NDArray e, int index, NDManager step) {
        float aT = schedule.alphas()[index];
        float aPrev = (float) schedule.alphasPrev()[index];
        float sigma = (float) schedule.sigmas()[index];
        float sqrtOneMinusAt = schedule.sqrtOneMinusAlphas()[index];
        NDArray predX0 = x.sub(e.mul(sqrtOneMinusAt)).div((float) Math.sqrt(aT));
        NDArray dirXt = e.mul((float) Math.sqrt(1f - aPrev - sigma * sigma));
        NDArray xPrev = predX0.mul((float) Math.sqrt(aPrev)).add(dirXt);
        if (sigma != 0f) {
            xPrev = xPrev.add(noise.draw(x.getShape(), step).mul(sigma));
        }
        return new NDArray[] {xPrev, predX0};
    }
}
