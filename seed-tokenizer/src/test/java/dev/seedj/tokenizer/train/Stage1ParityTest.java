package dev.seedj.tokenizer.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.seedj.core.nn.StateDictLoader;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stage 1 against {@code train-stage1-tiny}: contrastive losses, gradients and one AdamW step. */
class Stage1ParityTest {
    @RegisterExtension
    static final TrainingFixture FIXTURE = new TrainingFixture("train-stage1-tiny");

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
            NDArray pixels = FIXTURE.expected.get("input.image", scope);
            NDArray ids = FIXTURE.expected.get("input.text_input_ids", scope);
            NDArray mask = FIXTURE.expected.get("input.text_attention_mask", scope);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                Stage1Network.Output out = network.forward(pixels, ids, mask);
                collector.backward(out.itc());
                for (String stage : List.of("image_embeds", "query_output", "vision_proj_last", "text_last_hidden",
                        "text_proj", "sim_i2t", "sim_t2i")) {
                    Oracle.assertClose("fwd." + stage, FIXTURE.expected.getFloats("fwd." + stage),
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
            FIXTURE.assertTrainsExactly(network.trainableParameters());
        }
    }

    @Test
    void lossesGradientsAndOneAdamWStepMatchTheReference() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Stage1Network network = load(manager);
            float[] losses = forwardBackward(network, manager);
            FIXTURE.assertLossesGradientsAndStep(new String[] {"itc_i2t", "itc_t2i", "itc"}, losses,
                    network.trainableParameters());
        }
    }

    @Test
    void lavisRunnerGroupsMatchStep1Runner() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Stage1Network network = load(manager);
            forwardBackward(network, manager);
            FIXTURE.assertLavisRunnerStep(network.trainableParameters(), 61);
        }
    }
}
