package dev.seedj.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Parity with {@code oracle/sd-v1-tiny} (CompVis ldm as SEED v1 runs it): every recorded UNet and VAE intermediate
 * and the truncated uint8 picture, from the pickled {@code .ckpt} and from the {@code .safetensors} copy.
 */
class CompVisParityTest {
    /** One UNet/VAE pass (abs-or-relative); deep layers get twice the fixture's fp32-vs-fp64 noise if that is more. */
    static final double TOL = 1e-5;
    private static final String CASE = "sd-v1-tiny";

    static Path tinyYaml() {
        try {
            return Path.of(CompVisParityTest.class.getResource("sd-v1-tiny.yaml").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sd.ckpt", "sd.safetensors"})
    void unetAndVaeMatchTheReference(String file) {
        try (StableDiffusion sd = StableDiffusion.load(Oracle.path(CASE, file), tinyYaml());
                StateDict expected = StateDict.open(Oracle.path(CASE, "expected.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(List.of(), sd.unusedKeys());
            assertEquals(CheckpointLayout.COMPVIS, sd.layout());
            assertEquals(Prediction.EPSILON, sd.prediction());
            assertEquals(PixelRounding.TRUNCATE, sd.pixelRounding());
            assertEquals(0.18215f, sd.scaleFactor());
            assertTrue(sd.condStageTarget().isEmpty(), "torch.nn.Identity: no text encoder");
            CompVisSchedule schedule = sd.compVisSchedule().orElseThrow();
            assertEquals(new CompVisSchedule(0.00085, 0.012, 1000, "linear"), schedule);
            assertEquals(1000, sd.checkpointAlphasCumprod().orElseThrow().length);

            RecordedActivations unet = new RecordedActivations();
            NDArray eps = sd.unet(expected.get("in.unet.x", m), expected.get("in.unet.t", m),
                    expected.get("in.unet.context", m), null, m, unet);
            Oracle.assertClose("unet.eps", expected.get("unet.eps", m), eps, TOL);
            int compared = unet.assertMatches(expected, "unet.",
                    name -> switch (name) {
                        case "eps" -> "out";
                        case "out.norm" -> "out.0";
                        default -> name;
                    }, key -> false, ToleranceGuide.of(CASE), m);
            assertEquals(24, compared);

            RecordedActivations vae = new RecordedActivations();
            NDArray decoded = sd.decodeLatents(expected.get("in.vae.z", m), m, vae);
            Oracle.assertClose("vae.decoded", expected.get("vae.decoded", m), decoded, TOL);
            vae.assertMatches(expected, "vae.", name -> name,
                    key -> key.equals("vae.u8") || key.equals("vae.image01"), ToleranceGuide.of(CASE), m);
            for (String picture : List.of("vae", "plms", "ddim")) {
                Pictures.assertPixelsEqual(picture + ".u8", expected.get(picture + ".u8", m).toLongArray(),
                        sd.toImages(expected.get(picture + ".decoded", m)));
            }
        }
    }
}
