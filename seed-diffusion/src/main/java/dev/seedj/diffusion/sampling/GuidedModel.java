package dev.seedj.diffusion.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * A {@link Denoiser} with classifier-free guidance, as both references run it: one call on the batch
 * {@code [x; x]} at {@code [t; t]} with the context {@code [uc; c]} (and class labels {@code [0; labels]}), then
 * {@code e = e_uncond + scale * (e_cond - e_uncond)}. Without guidance, one call on {@code x} with {@code c}.
 * Also turns a velocity into a noise prediction for the CompVis samplers.
 *
 * <p>Not thread-safe: one sampling run at a time.
 */
final class GuidedModel {
    private final Denoiser denoiser;
    private final NDArray context; // [B or 2B, 77, D]
    private final NDArray classLabels; // [B or 2B, E] or null
    private final float scale;
    private final boolean guided;
    private final long batch;
    private final SchedulerConfig config;

    /**
     * @param denoiser the network
     * @param request the contexts, class labels and scale
     * @param classLabels the conditional class labels [B, E], or null
     * @param guided whether to run guidance (the reference's own rule for the scale)
     * @param config the schedule and prediction type
     * @param run owns the concatenated context and labels for the whole run
     */
    GuidedModel(Denoiser denoiser, SampleRequest request, NDArray classLabels, boolean guided,
            SchedulerConfig config, NDManager run) {
        this.denoiser = denoiser;
        this.scale = request.guidanceScale();
        this.guided = guided;
        this.batch = request.batchSize();
        this.config = config;
        if (guided) {
            this.context = NDArrays.concat(new ai.djl.ndarray.NDList(request.unconditional(), request.conditioning()), 0);
            this.context.attach(run);
            if (classLabels != null) {
                NDArray zeros = classLabels.zerosLike();
                this.classLabels = NDArrays.concat(new ai.djl.ndarray.NDList(zeros, classLabels), 0);
                this.classLabels.attach(run);
                zeros.close();
            } else {
                this.classLabels = null;
            }
        } else {
            this.context = request.conditioning();
            this.classLabels = classLabels;
        }
    }

    /**
     * @param x latents [B, C, H, W]
     * @param t the training timestep
     * @param step owns the result and the intermediates
     * @return the guided model output [B, C, H, W]
     */
    NDArray output(NDArray x, int t, NDManager step) {
        long rows = guided ? 2 * batch : batch;
        long[] times = new long[(int) rows];
        Arrays.fill(times, t);
        NDArray tIn = step.create(times); // int64 [rows]
        NDArray xIn = guided ? NDArrays.concat(new ai.djl.ndarray.NDList(x, x), 0) : x;
        xIn.attach(step);
        NDArray out = denoiser.predict(xIn, tIn, context, classLabels, step);
        checkOutput(out, x.getShape(), rows);
        out.attach(step);
        if (!guided) {
            return out;
        }
        NDArray uncond = out.get(new NDIndex("0:{}", batch));
        NDArray cond = out.get(new NDIndex("{}:", batch));
        return uncond.add(cond.sub(uncond).mul(scale)); // e_u + s * (e_c - e_u)
    }

    /**
     * The guided output as a noise prediction: a velocity v becomes {@code sqrt(a) v + sqrt(1 - a) x} (CompVis
     * {@code predict_eps_from_z_and_v}); a noise prediction is returned as it is.
     *
     * @param x latents [B, C, H, W]
     * @param t the training timestep
     * @param step owns the result
     * @return the noise prediction [B, C, H, W]
     */
    NDArray epsilon(NDArray x, int t, NDManager step) {
        NDArray out = output(x, t, step);
        if (config.predictionType() == PredictionType.EPSILON) {
            return out;
        }
        float a = config.schedule().alphaCumprod(t);
        return out.mul((float) Math.sqrt(a)).add(x.mul((float) Math.sqrt(1.0 - a)));
    }

    private static void checkOutput(NDArray out, Shape latent, long rows) {
        Shape expected = new Shape(rows, latent.get(1), latent.get(2), latent.get(3));
        if (out == null || !out.getShape().equals(expected) || out.getDataType() != DataType.FLOAT32) {
            throw new IllegalStateException("the denoiser returned " + (out == null ? "null"
                    : out.getDataType() + " " + out.getShape()) + ", expected float32 " + expected);
        }
    }
}
