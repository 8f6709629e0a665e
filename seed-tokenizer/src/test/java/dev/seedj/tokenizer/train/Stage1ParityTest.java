package dev.seedj.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.seedj.core.nn.StateDictLoader;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.train.AdamW;
import dev.seedj.core.train.AdamWSettings;
import dev.seedj.core.train.TrainableParameter;
import dev.seedj.core.weights.StateDict;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Stage 1 against {@code train-stage1-tiny}: contrastive losses, gradients and one AdamW step. */
class Stage1ParityTest {
    private static final Logger LOG = LoggerFactory.getLogger(Stage1ParityTest.class);
    private static TrainingFixture fixture;

    @BeforeAll
    static void open() {
        fixture = new TrainingFixture("train-stage1-tiny");
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    static Stage1Network load(NDManager manager) {
        Stage1Network network = new Stage1Network(TrainingFixture.tinyConfig(), Stage1Options.reference(1001));
        try (StateDict weights = StateDict.open(Oracle.path("train-stage1-tiny", "weights.safetensors"))) {
            StateDictLoader.load(network, weights, manager);
        }
        return network;
    }

    static float[] forwardBackward(Stage1Network network, NDManager manager) {
        network.trainableParameters().values().forEach(p -> p.getArray().setRequiresGradient(true));
        try (NDManager scope = manager.newSubManager()) {
            NDArray pixels = fixture.expected.get("input.image", scope);
            NDArray ids = fixture.expected.get("input.text_input_ids", scope);
            NDArray mask = fixture.expected.get("input.text_attention_mask", scope);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                Stage1Network.Output out = network.forward(pixels, ids, mask);
                collector.backward(out.itc());
                for (String stage : List.of("image_embeds", "query_output", "vision_proj_last", "text_last_hidden",
                        "text_proj", "sim_i2t", "sim_t2i")) {
                    Oracle.assertClose("fwd." + stage, fixture.expected.getFloats("fwd." + stage),
                            out.stages().get(stage).toFloatArray(), 3e-5);
                }
                return new float[] {out.imageToText().getFloat(), out.textToImage().getFloat(), out.itc().getFloat()};
            }
        }
    }

    @Test
    void trainsExactlyTheReferenceParameters() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Stage1Network network = load(manager);
            assertEquals(new TreeSet<>(fixture.trainableNames()), new TreeSet<>(network.trainableParameters().keySet()));
        }
    }

    @Test
    void lossesGradientsAndOneAdamWStepMatchTheReference() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Stage1Network network = load(manager);
            float[] losses = forwardBackward(network, manager);
            String[] names = {"itc_i2t", "itc_t2i", "itc"};
            double worstLoss = 0;
            for (int i = 0; i < names.length; i++) {
                assertEquals(fixture.loss(names[i]), losses[i], 1e-5, names[i]);
                worstLoss = Math.max(worstLoss, Math.abs(fixture.loss(names[i]) - losses[i]));
            }
            Map<String, Parameter> trainable = network.trainableParameters();
            double worstGrad = fixture.assertGradients(trainable, 3e-5);
            try (AdamW adamW = new AdamW(TrainableParameter.allDecayed(trainable),
                    new AdamWSettings(0.9, 0.999, 1e-8, TrainingFixture.WD))) {
                adamW.step(TrainingFixture.LR);
            }
            double worstStep = fixture.assertStep("step1.", trainable, trainable.keySet(), 2e-6);
            LOG.info("stage 1 parity: loss {} grad(rel) {} step1 {}", worstLoss, worstGrad, worstStep);
        }
    }

    @Test
    void lavisRunnerGroupsMatchStep1Runner() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Stage1Network network = load(manager);
            forwardBackward(network, manager);
            Map<String, Parameter> trainable = network.trainableParameters();
            try (AdamW adamW = new AdamW(TrainableParameter.lavisGroups(trainable),
                    new AdamWSettings(0.9, 0.999, 1e-8, TrainingFixture.WD))) {
                adamW.step(TrainingFixture.LR);
            }
            Set<String> names = new TreeSet<>();
            fixture.expected.keys().stream().filter(k -> k.startsWith("step1_runner."))
                    .forEach(k -> names.add(k.substring("step1_runner.".length())));
            assertEquals(61, names.size());
            fixture.assertStep("step1_runner.", trainable, names, 2e-6);
        }
    }
}
