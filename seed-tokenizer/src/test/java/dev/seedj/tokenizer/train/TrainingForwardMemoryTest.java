package dev.seedj.tokenizer.train;

import static dev.seedj.core.testing.ForwardMemoryRule.gaussian;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.testing.ForwardMemoryRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The memory rule on the training networks: a stage-1 and a stage-2 forward pass, with and without a
 * GradientCollector, release none of their inputs (nor a recorded stage), leave nothing in the weights' manager and
 * give the same values.
 */
class TrainingForwardMemoryTest {
    private static final int S = SyntheticData.IMAGE;

    @Test
    void stage1ForwardKeepsItsInputs() {
        Stage1Network network = new Stage1Network(SyntheticData.config(), Stage1TrainingTest.options14());
        try (NDManager weights = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(21);
            SyntheticData.initialize(network, weights);
            ForwardMemoryRule.check(weights,
                    call -> List.of(gaussian(call, 24, new Shape(2, 3, S, S)),
                            call.create(new long[] {2, 4, 5, 3, 2, 6, 3, 0}, new Shape(2, 4)),
                            call.create(new long[] {1, 1, 1, 1, 1, 1, 1, 0}, new Shape(2, 4))),
                    (call, in) -> {
                        Stage1Network.Output out = network.forward(in.get(0), in.get(1), in.get(2));
                        return values(out.stages(), out.itc());
                    });
        }
    }

    @Test
    void stage2ForwardKeepsItsInputsAndRecordedStages() {
        Stage2Network network = new Stage2Network(SyntheticData.config(), SyntheticData.options());
        try (NDManager weights = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(22);
            SyntheticData.initialize(network, weights);
            ForwardMemoryRule.check(weights,
                    call -> List.of(gaussian(call, 23, new Shape(2, 3, S, S)),
                            gaussian(call, 24, new Shape(2, SyntheticData.IMAGE_DIM)),
                            gaussian(call, 25, new Shape(2, SyntheticData.TEXT_TOKENS, SyntheticData.TEXT_DIM))),
                    (call, in) -> {
                        Stage2Network.Output out = network.forward(in.get(0), in.get(1), in.get(2));
                        return values(out.stages(), out.vq(), out.recon(), out.distillImage(), out.distillText());
                    });
        }
    }

    /** Every stage's sum (each must still be readable) and the losses. */
    private static float[] values(Map<String, NDArray> stages, NDArray... losses) {
        List<Float> out = new ArrayList<>();
        stages.values().forEach(a -> out.add(a.sum().getFloat()));
        for (NDArray loss : losses) {
            out.add(loss.getFloat());
        }
        float[] flat = new float[out.size()];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = out.get(i);
        }
        return flat;
    }
}
