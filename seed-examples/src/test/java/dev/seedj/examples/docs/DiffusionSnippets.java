package dev.seedj.examples.docs;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.weights.StateDict;
import dev.seedj.diffusion.StableDiffusion;
import dev.seedj.diffusion.sampling.DiffusionSampling;
import dev.seedj.diffusion.sampling.ImageEmbeddingNoiser;
import dev.seedj.diffusion.sampling.NoiseSchedule;
import dev.seedj.diffusion.sampling.PredictionType;
import dev.seedj.diffusion.sampling.SampleRequest;
import dev.seedj.diffusion.sampling.Sampler;
import dev.seedj.diffusion.sampling.SchedulerConfig;
import me.tongfei.progressbar.ProgressBar;

/**
 * The code shown in docs/diffusion.md (regions between {@code // snippet:NAME} and {@code // end snippet}),
 * compiled with the tests so that the page cannot drift from the API.
 */
final class DiffusionSnippets {
    private DiffusionSnippets() {
    }

    static NDArray sample(StateDict ckpt, NDArray c, NDArray uc, NDArray xT, StableDiffusion sd,
            ImageEmbeddingNoiser noiserOrNull, ProgressBar bar, NDManager manager) {
        // snippet:sample
        SchedulerConfig config = SchedulerConfig.compVis(NoiseSchedule.ofAlphasCumprod(ckpt.getFloats("alphas_cumprod")),
                PredictionType.EPSILON);                                  // CompVis checkpoint
        // or SchedulerConfig.fromDiffusersJson(folder.resolve("scheduler/scheduler_config.json"))
        SampleRequest request = SampleRequest.builder()
                .sampler(Sampler.PLMS).steps(50).guidanceScale(7.5f).eta(0f)
                .conditioning(c).unconditional(uc)          // [B, 77, D] each, same shape
                .initialLatents(xT)                          // or .seed(42).latentShape(4, 64, 64)
                .build();                                    // bad input fails here, before any work
        NDArray latents = DiffusionSampling.sample(request, sd::unet, config, noiserOrNull, step -> bar.step(), manager);
        // end snippet
        return latents;
    }
}
