package dev.seedj.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.seedj.core.nn.StateDictLoader;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stage 2 against {@code train-stage2-tiny}: losses, codes, gradients and one AdamW step (both optimizer groupings). */
class Stage2ParityTest {
    @RegisterExtension
    static final TrainingFixture FIXTURE = new TrainingFixture("train-stage2-tiny");

    static Stage2Network load(NDManager manager) {
        Stage2Options options = Stage2Options.imageHeadOnly().withTextHead(new Stage2Options.TextHead(77, 4, 40));
        Stage2Network network = new Stage2Network(TrainingFixture.tinyConfig(), options);
        try (StateDict weights = StateDict.open(Oracle.path("v2-tiny", "weights.safetensors"),
                Oracle.path("train-stage2-tiny", "weights_text_head.safetensors"))) {
            StateDictLoader.load(network, weights, manager);
        }
        return network;
    }

    /** Runs the forward and backward pass of the fixture's batch; returns the unweighted losses' output. */
    static float[] forwardBackward(Stage2Network network, NDManager manager) {
        network.trainableParameters().values().forEach(p -> p.getArray().setRequiresGradient(true));
        try (NDManager scope = manager.newSubManager()) {
            NDArray pixels = FIXTURE.expected.get("input.image", scope);
            NDArray image = FIXTURE.expected.get("input.target_image_embeds", scope);
            NDArray text = FIXTURE.expected.get("input.target_text_features", scope);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                Stage2Network.Output out = network.forward(pixels, image, text);
                NDArray total = out.vq().mul(5f).add(out.recon().mul(2f)).add(out.distillImage().mul(0.5f))
                        .add(out.distillText().mul(0.5f));
                collector.backward(total);
                assertArrayEquals(FIXTURE.expected.get("codes", scope).toLongArray(), out.codes().toLongArray());
                for (String stage : List.of("z", "quant", "qformer_last_hidden", "query_output_up", "recon_s",
                        "reverse_output_proj", "reverse_output_text_proj")) {
                    Oracle.assertClose("fwd." + stage, FIXTURE.expected.getFloats("fwd." + stage),
                            out.stages().get(stage).toFloatArray(), 3e-5);
                }
                return new float[] {out.vq().getFloat(), out.recon().getFloat(), out.distillImage().getFloat(),
                        out.distillText().getFloat(), total.getFloat()};
            }
        }
    }

    @Test
    void trainsExactlyTheReferenceParameters() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Stage2Network network = load(manager);
            FIXTURE.assertTrainsExactly(network.trainableParameters());
        }
    }

    @Test
    void lossesGradientsAndOneAdamWStepMatchTheReference() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Stage2Network network = load(manager);
            float[] losses = forwardBackward(network, manager);
            String[] names = {"embed_raw", "recon_s_raw", "distil_image_raw", "distil_text_raw", "total"};
            FIXTURE.assertLossesGradientsAndStep(names, losses, network.trainableParameters());
            assertUnchosenCodesOnlyDecay(network, manager);
        }
    }

    /** Rows no position chose have gradient 0: one step leaves them at exactly p0 * float32(1 - lr * wd). */
    private static void assertUnchosenCodesOnlyDecay(Stage2Network network, NDManager manager) {
        float[] p0;
        try (StateDict weights = StateDict.open(Oracle.path("v2-tiny", "weights.safetensors"))) {
            p0 = weights.getFloats("quantize.embedding.weight");
        }
        float[] after = network.codebook().getArray().toFloatArray();
        long[] chosen = FIXTURE.expected.get("grad_rows.quantize.embedding.weight", manager).toLongArray();
        Set<Long> rows = new TreeSet<>();
        for (long r : chosen) {
            rows.add(r);
        }
        float decay = (float) (1 - TrainingFixture.LR * TrainingFixture.WD);
        int checked = 0;
        for (int i = 0; i < p0.length; i++) {
            if (!rows.contains((long) (i / 32))) {
                assertEquals(p0[i] * decay, after[i], 0f, "codebook element " + i);
                checked++;
            }
        }
        assertEquals((8192 - 83) * 32, checked);
    }

    @Test
    void lavisRunnerGroupsMatchStep1Runner() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Stage2Network network = load(manager);
            forwardBackward(network, manager);
            FIXTURE.assertLavisRunnerStep(network.trainableParameters(), 156);
        }
    }
}
