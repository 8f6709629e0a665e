package dev.seedj.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.train.TrainableParameter;
import dev.seedj.core.train.TrainingConfig;
import dev.seedj.core.train.TrainingLoop;
import dev.seedj.core.train.TrainingRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Stage 2 on a small random model: the losses fall, resuming repeats the run, memory stays flat. */
class Stage2TrainingTest {
    private static final Logger LOG = LoggerFactory.getLogger(Stage2TrainingTest.class);

    private static Stage2Network randomNetwork(Stage2Options options, NDManager manager) {
        Engine.getInstance().setRandomSeed(1234);
        Stage2Network network = new Stage2Network(SyntheticData.config(), options);
        SyntheticData.initialize(network, manager);
        return network;
    }

    private static TrainingConfig config(Path out, long steps, long checkpointEvery) {
        return TrainingConfig.builder(2e-3, steps, 4, out).schedule(TrainingConfig.Schedule.CONSTANT)
                .checkpointEvery(checkpointEvery).logEvery(50).seed(7).build();
    }

    private static TrainingLoop<TokenizerBatch> loop(Stage2Network network, TrainingConfig config) {
        SyntheticData data = new SyntheticData(config.batchSize(), 99);
        return TrainingLoop.<TokenizerBatch>builder(config)
                .parameters(TrainableParameter.lavisGroups(network.trainableParameters()))
                .data(data)
                .step(new Stage2Step(network, data))
                .optProgressBar(false)
                .build();
    }

    /** @return this process's resident set size (Linux), or -1 */
    static long residentKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static double mean(List<TrainingRecord> records, int from, int to, String term) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += records.get(i).losses().get(term);
        }
        return sum / (to - from);
    }

    @Test
    void threeHundredStepsLowerEveryLossTermWithoutGrowingMemory(@TempDir Path tmp) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Stage2Network network = randomNetwork(SyntheticData.options(), manager);
            try (TrainingLoop<TokenizerBatch> loop = loop(network, config(tmp, 300, 0))) {
                loop.runUntil(20);
                long arrays = manager.getManagedArrays().size();
                long rss = residentKiB();
                loop.run();
                assertEquals(arrays, manager.getManagedArrays().size(), "arrays in the model's manager");
                LOG.info("resident memory after step 20: {} KiB, after step 300: {} KiB", rss, residentKiB());
                List<TrainingRecord> records = loop.log().records();
                assertEquals(300, records.size());
                for (String term : List.of("vq", "recon", "distill_image", "distill_text", "total")) {
                    double first = mean(records, 0, 10, term);
                    double last = mean(records, 290, 300, term);
                    LOG.info("{}: {} -> {}", term, first, last);
                    assertTrue(last < 0.7 * first, term + " " + first + " -> " + last);
                }
                assertTrue(Files.exists(tmp.resolve("loss.png")));
            }
        }
    }

    @Test
    void resumingMidRunGivesTheSameLosses(@TempDir Path tmp) {
        List<TrainingRecord> full;
        try (NDManager manager = NDManager.newBaseManager()) {
            Stage2Network network = randomNetwork(SyntheticData.options(), manager);
            try (TrainingLoop<TokenizerBatch> loop = loop(network, config(tmp.resolve("full"), 20, 10))) {
                loop.run();
                full = loop.log().records();
            }
        }
        Path split = tmp.resolve("split");
        try (NDManager manager = NDManager.newBaseManager()) {
            Stage2Network network = randomNetwork(SyntheticData.options(), manager);
            try (TrainingLoop<TokenizerBatch> loop = loop(network, config(split, 20, 10))) {
                loop.runUntil(10);
            }
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(555); // a different fresh init: everything trainable must come back
            Stage2Network network = new Stage2Network(SyntheticData.config(), SyntheticData.options());
            SyntheticData.initialize(network, manager);
            Stage2Network frozenTwin = randomNetwork(SyntheticData.options(), manager);
            frozenTwin.namedParameters().forEach((name, p) -> {
                if (!network.trainableParameters().containsKey(name)) {
                    p.getArray().copyTo(network.namedParameters().get(name).getArray());
                }
            });
            try (TrainingLoop<TokenizerBatch> loop = loop(network, config(split, 20, 10))) {
                assertTrue(loop.resumeLatest().isPresent());
                loop.run();
                List<TrainingRecord> resumed = loop.log().records();
                assertEquals(20, resumed.size());
                for (int s = 10; s < 20; s++) {
                    assertEquals(full.get(s).losses(), resumed.get(s).losses(), "losses of step " + (s + 1));
                }
            }
        }
    }

    @Test
    void deadCodesAreReinitialisedFromRecentEncoderOutputs(@TempDir Path tmp) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Stage2Options options = SyntheticData.options().withDeadCodes(new Stage2Options.DeadCodePolicy(5, 64));
            Stage2Network network = randomNetwork(options, manager);
            float[] before = network.codebook().getArray().toFloatArray();
            try (TrainingLoop<TokenizerBatch> loop = loop(network, config(tmp, 12, 0))) {
                loop.run();
                List<TrainingRecord> records = loop.log().records();
                assertEquals(0.0, records.get(4).losses().get("codes_reinitialised"));
                double reinitialised = records.get(5).losses().get("codes_reinitialised");
                assertTrue(reinitialised > 32, "a 64-entry codebook with 8 queries x 4 images leaves dead codes: "
                        + reinitialised);
                assertEquals(12, loop.optimizer().stepCount("quantize.embedding.weight"),
                        "the codebook keeps training after re-initialisation");
            }
            float[] after = network.codebook().getArray().toFloatArray();
            int changedRows = 0;
            for (int r = 0; r < 64; r++) {
                // AdamW moves every row a little (weight decay); a re-initialised row moves by the scale of z
                double d = 0;
                for (int c = 0; c < 8; c++) {
                    d = Math.max(d, Math.abs(after[r * 8 + c] - before[r * 8 + c]));
                }
                changedRows += d > 0.1 ? 1 : 0;
            }
            assertTrue(changedRows > 32, "rows replaced by encoder outputs: " + changedRows);
        }
    }
}
