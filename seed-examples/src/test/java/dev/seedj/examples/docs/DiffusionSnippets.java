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
import dev.seedj.multimodal.PictureSettings;
import dev.seedj.multimodal.SeedPictures;
import dev.seedj.tokenizer.SeedTokenizer;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
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

    static void pictures(int[] codes) throws IOException {
        // snippet:pictures
        try (SeedTokenizer tokenizer = SeedTokenizer.load(Path.of("models/seed-tokenizer-v1"));
                SeedPictures pictures = SeedPictures.open(tokenizer, Path.of("sd-v1-4.ckpt"),
                        null,                                               // the built-in v1-inference.yaml
                        Path.of("bpe_simple_vocab_16e6.txt.gz"))) {         // CLIP's vocabulary, for ""
            BufferedImage picture = pictures.picture(codes);   // PLMS, 50 steps, guidance 7.5, 512 x 512, seed 0
            PictureSettings fast = pictures.defaults().withSampler(Sampler.DPMPP_2M).withSteps(20).withSeed(7);
            BufferedImage quicker = pictures.picture(codes, fast, step -> System.out.println(step.index()));
            ImageIO.write(picture, "png", new File("picture.png"));
        }
        // end snippet
    }
}
