package dev.seedj.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.SafetensorsWriter;
import dev.seedj.core.weights.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Parity with {@code oracle/sd-unclip-tiny} (diffusers 0.20.2 as SEED-2 runs it): the UNet with its projection class
 * embedding, the VAE decoder and the rounded uint8 pictures, from the {@code .bin} pickles and from the
 * {@code .safetensors} files.
 */
class DiffusersParityTest {
    /** The outputs of one UNet/VAE pass, absolute or relative. */
    static final double TOL = 1e-5;
    /** fp16-rounded weights (relative rounding 2^-11) move the output by about 1e-3. */
    static final double FP16_TOL = 2e-2;

    @TempDir
    Path temp;

    /** An fp16 folder ({@code diffusion_pytorch_model.fp16.safetensors}) loads, widened to float32 in Java. */
    @Test
    void fp16WeightsLoad() throws IOException {
        Path folder = DiffusersFolders.linkedCopy(temp.resolve("fp16"), ".safetensors", List.of());
        for (String component : List.of("unet", "vae")) {
            Path fp32 = folder.resolve(component).resolve("diffusion_pytorch_model.safetensors");
            try (StateDict weights = StateDict.open(fp32); NDManager m = NDManager.newBaseManager()) {
                Map<String, NDArray> tensors = new LinkedHashMap<>();
                for (String key : weights.keys()) {
                    tensors.put(key, weights.get(key, m));
                }
                new SafetensorsWriter().withFloat16(true)
                        .write(folder.resolve(component).resolve("diffusion_pytorch_model.fp16.safetensors"), tensors);
            }
            Files.delete(fp32);
        }
        try (StableDiffusion sd = StableDiffusion.load(folder);
                StateDict expected = StateDict.open(Oracle.path(DiffusersFolders.CASE, "expected.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            NDArray out = sd.unet(expected.get("in.unet.sample", m), expected.get("in.unet.t", m),
                    expected.get("in.unet.encoder_hidden_states", m), expected.get("in.unet.class_labels", m), m);
            double error = Oracle.maxError(expected.get("unet.out", m).toFloatArray(), out.toFloatArray());
            assertTrue(error > 0 && error < FP16_TOL, "fp16-rounded weights: error " + error);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {".bin", ".safetensors"})
    void unetAndVaeMatchTheReference(String weights) {
        Path folder = DiffusersFolders.linkedCopy(temp.resolve("pipe"), weights, List.of());
        try (StableDiffusion sd = StableDiffusion.load(folder);
                StateDict expected = StateDict.open(Oracle.path(DiffusersFolders.CASE, "expected.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(List.of(), sd.unusedKeys());
            assertEquals(CheckpointLayout.DIFFUSERS, sd.layout());
            assertEquals(Prediction.V_PREDICTION, sd.prediction());
            assertEquals(PixelRounding.ROUND, sd.pixelRounding());
            assertEquals(0.18215f, sd.scaleFactor());
            assertEquals(32, sd.unetConfig().classEmbedInputDim());
            assertEquals("PNDMScheduler", sd.schedulerConfig().orElseThrow().get("_class_name").getAsString());
            assertEquals(folder.resolve("image_normalizer"), sd.imageNormalizerFolder().orElseThrow());
            assertEquals(folder.resolve("image_noising_scheduler"), sd.imageNoisingSchedulerFolder().orElseThrow());
            assertTrue(sd.textEncoderFolder().isEmpty() && sd.tokenizerFolder().isEmpty(), "[null, null] components");

            RecordedActivations unet = new RecordedActivations();
            NDArray out = sd.unet(expected.get("in.unet.sample", m), expected.get("in.unet.t", m),
                    expected.get("in.unet.encoder_hidden_states", m), expected.get("in.unet.class_labels", m), m, unet);
            Oracle.assertClose("unet.out", expected.get("unet.out", m), out, TOL);
            // intermediates: the README points to sd-v1-tiny's fp64 guide for the same kinds of layers
            double unetNoise = ToleranceGuide.worst("sd-v1-tiny", "unet.");
            assertEquals(11, unet.assertMatches(expected, "unet.", name -> name, key -> false, key -> unetNoise, m));

            RecordedActivations vae = new RecordedActivations();
            NDArray decoded = sd.decodeLatents(expected.get("in.vae.z", m), m, vae);
            Oracle.assertClose("vae.decoded", expected.get("vae.decoded", m), decoded, TOL);
            double vaeNoise = ToleranceGuide.worst("sd-v1-tiny", "vae.");
            assertEquals(7, vae.assertMatches(expected, "vae.", name -> name, key -> false, key -> vaeNoise, m));

            Pictures.assertPixelsEqual("pipe.u8", expected.get("pipe.u8", m).toLongArray(),
                    sd.toImages(expected.get("pipe.decoded", m)));
        }
    }
}
