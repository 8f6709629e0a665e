package dev.seedj.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.train.TrainableParameter;
import dev.seedj.core.train.TrainingConfig;
import dev.seedj.core.train.TrainingLoop;
import dev.seedj.core.train.TrainingRecord;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repeats a 300-step stage-2 run several times and requires bitwise-identical losses at every step. A backward pass
 * that reads freed memory (e.g. a DJL {@code Number} operand on the autograd graph, see
 * {@link dev.seedj.core.nn.GraphConstants}) shows up here as runs that drift apart at a random step. About a minute, so tagged {@code benchmark} (excluded from the default run).
 */
@Tag("benchmark")
class TrainingDeterminismBenchmarkTest {

    private static List<TrainingRecord> run(Path out) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1234);
            Stage2Network network = new Stage2Network(SyntheticData.config(), SyntheticData.options());
            SyntheticData.initialize(network, manager);
            TrainingConfig config = TrainingConfig.builder(2e-3, 300, 4, out).schedule(TrainingConfig.Schedule.CONSTANT)
                    .checkpointEvery(0).logEvery(1000).seed(7).build();
            SyntheticData data = new SyntheticData(4, 99);
            try (TrainingLoop<TokenizerBatch> loop = TrainingLoop.<TokenizerBatch>builder(config)
                    .parameters(TrainableParameter.lavisGroups(network.trainableParameters()))
                    .data(data)
                    .step(new Stage2Step(network, data))
                    .optProgressBar(false)
                    .build()) {
                loop.run();
                return loop.log().records();
            }
        }
    }

    @Test
    void repeatedRunsAreBitwiseIdentical(@TempDir Path tmp) {
        List<TrainingRecord> reference = run(tmp.resolve("run0"));
        for (int rep = 1; rep < 6; rep++) {
            List<TrainingRecord> again = run(tmp.resolve("run" + rep));
            for (int s = 0; s < reference.size(); s++) {
                assertEquals(reference.get(s).losses(), again.get(s).losses(), "run " + rep + ", step " + (s + 1));
            }
        }
    }
}
