package dev.seedj.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.testing.Oracle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loop on a tiny linear regression y = x w^T + b (3 inputs), with noise augmentation from the engine. */
class TrainingLoopTest {
    private static final float[] TRUE_W = {1.5f, -2f, 0.5f};
    private static final float TRUE_B = 0.3f;

    /** 32 examples {x0, x1, x2, y}. */
    static List<float[]> examples() {
        Random r = new Random(11);
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            float[] e = new float[4];
            float y = TRUE_B;
            for (int j = 0; j < 3; j++) {
                e[j] = (float) r.nextGaussian();
                y += TRUE_W[j] * e[j];
            }
            e[3] = y + 0.01f * (float) r.nextGaussian();
            out.add(e);
        }
        return out;
    }

    /** A linear model whose parameters live in its own manager. */
    static final class Model implements AutoCloseable {
        final NDManager manager = NDManager.newBaseManager();
        final Parameter weight = Parameter.builder().setName("weight").setType(Parameter.Type.OTHER).build();
        final Parameter bias = Parameter.builder().setName("bias").setType(Parameter.Type.OTHER).build();

        Model(float w0) {
            weight.setArray(manager.create(new float[] {w0, -w0, 0.5f * w0}, new Shape(1, 3)));
            bias.setArray(manager.create(new float[] {0.1f * w0}));
        }

        List<TrainableParameter> trainable() {
            return List.of(new TrainableParameter("linear.weight", weight, true),
                    new TrainableParameter("linear.bias", bias, false));
        }

        float[] weights() {
            float[] w = weight.getArray().toFloatArray();
            return new float[] {w[0], w[1], w[2], bias.getArray().toFloatArray()[0]};
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    /** MSE of the linear model; {@code noise} > 0 perturbs the inputs with engine randomness. */
    static TrainingStep<List<float[]>> step(Model model, float noise) {
        return (batch, manager) -> {
            float[] xs = new float[batch.size() * 3];
            float[] ys = new float[batch.size()];
            for (int i = 0; i < batch.size(); i++) {
                System.arraycopy(batch.get(i), 0, xs, i * 3, 3);
                ys[i] = batch.get(i)[3];
            }
            NDArray x = manager.create(xs, new Shape(batch.size(), 3)); // [B, 3]
            if (noise > 0) {
                x = x.add(manager.randomNormal(x.getShape()).mul(noise));
            }
            NDArray y = manager.create(ys, new Shape(batch.size(), 1)); // [B, 1]
            NDArray pred = ai.djl.nn.core.Linear.linear(x, model.weight.getArray(), model.bias.getArray())
                    .singletonOrThrow(); // [B, 1]
            NDArray err = pred.sub(y);
            return new LossTerms().add("mse", err.square().mean()).monitor("mae", err.abs().mean());
        };
    }

    static TrainingConfig config(Path dir, int batch, int accumulation, long steps, long checkpointEvery) {
        return config(dir, batch, accumulation, steps, checkpointEvery, 1.0);
    }

    static TrainingConfig config(Path dir, int batch, int accumulation, long steps, long checkpointEvery,
            double clipNorm) {
        return TrainingConfig.builder(0.05, steps, batch, dir).minLearningRate(0.005).warmupLearningRate(0.01)
                .warmupSteps(3).gradAccumulation(accumulation).clipNorm(clipNorm).checkpointEvery(checkpointEvery)
                .logEvery(5).seed(7).build();
    }

    static TrainingLoop<List<float[]>> loop(TrainingConfig cfg, Model model, float noise, boolean shuffle) {
        List<float[]> data = examples();
        return TrainingLoop.<List<float[]>>builder(cfg)
                .parameters(model.trainable())
                .data(new BatchIterator<>(data.size(), data::get, cfg.batchSize(), cfg.seed(), shuffle))
                .step(step(model, noise))
                .optProgressBar(false)
                .build();
    }

    @Test
    void resumingFromACheckpointRepeatsTheUninterruptedRunExactly(@TempDir Path tmp) throws IOException {
        int k = 10;
        List<TrainingRecord> full;
        float[] fullWeights;
        try (Model model = new Model(0.2f);
                TrainingLoop<List<float[]>> loop = loop(config(tmp.resolve("a"), 8, 2, 2 * k, k), model, 0.05f,
                        true)) {
            full = loop.run().records();
            fullWeights = model.weights();
        }
        Path checkpoint = TrainingCheckpoint.fileFor(tmp.resolve("a").resolve("checkpoints"), k);
        assertTrue(Files.exists(checkpoint));
        Files.createDirectories(tmp.resolve("b").resolve("checkpoints"));
        Files.copy(checkpoint, TrainingCheckpoint.fileFor(tmp.resolve("b").resolve("checkpoints"), k));
        try (Model model = new Model(-1f); // different start: the checkpoint must overwrite it
                TrainingLoop<List<float[]>> loop = loop(config(tmp.resolve("b"), 8, 2, 2 * k, k), model, 0.05f,
                        true)) {
            assertTrue(loop.resumeLatest().isPresent());
            assertEquals(k, loop.completedSteps());
            loop.runUntil(2 * k);
            List<TrainingRecord> resumed = loop.log().records(); // steps k+1 .. 2k (no log was copied)
            assertEquals(k, resumed.size());
            for (int s = k; s < 2 * k; s++) {
                assertEquals(full.get(s), resumed.get(s - k), "record of step " + (s + 1));
            }
            Oracle.assertBitwiseEquals("parameters after resuming", fullWeights, model.weights());
        }
        TrainingConfig otherSeed = TrainingConfig.builder(0.05, 2 * k, 8, tmp.resolve("c")).minLearningRate(0.005)
                .warmupLearningRate(0.01).warmupSteps(3).gradAccumulation(2).clipNorm(1.0).checkpointEvery(k)
                .logEvery(5).seed(8).build();
        try (Model model = new Model(0.2f); TrainingLoop<List<float[]>> loop = loop(otherSeed, model, 0.05f, true)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loop.resume(checkpoint));
            assertTrue(e.getMessage().contains("seed 7"), e.getMessage());
        }
    }

    @Test
    void aFewHundredStepsFitTheRegressionAndWriteAllOutputs(@TempDir Path tmp) throws IOException {
        try (Model model = new Model(0.2f);
                TrainingLoop<List<float[]>> loop = loop(config(tmp, 8, 1, 200, 100), model, 0f, true)) {
            List<TrainingRecord> records = loop.run().records();
            assertEquals(200, records.size());
            double firstMse = records.get(0).losses().get("mse");
            double lastMse = records.get(199).losses().get("mse");
            double lastMae = records.get(199).losses().get("mae");
            assertTrue(lastMse < 0.01 * firstMse, "mse " + firstMse + " -> " + lastMse);
            assertTrue(lastMae < 0.2 * records.get(0).losses().get("mae"), "mae -> " + lastMae);
            assertEquals(lastMse, records.get(199).losses().get(LossTerms.TOTAL), 1e-7);
            float[] w = model.weights();
            for (int j = 0; j < 3; j++) {
                assertEquals(TRUE_W[j], w[j], 0.1, "weight " + j); // weight decay pulls slightly towards 0
            }
            assertEquals(TRUE_B, w[3], 0.05, "bias");
            assertEquals(0.01, records.get(0).learningRate(), 1e-12); // warm-up start
            assertEquals(0.005, records.get(199).learningRate(), 1e-5); // cosine floor

            assertTrue(Files.exists(tmp.resolve("checkpoints").resolve("step-00000100.safetensors")));
            assertTrue(Files.exists(tmp.resolve("checkpoints").resolve("step-00000200.safetensors")));
            assertEquals(200, TrainingLog.read(tmp.resolve("train_log.jsonl")).size());
            List<String> csv = Files.readAllLines(tmp.resolve("train_log.csv"));
            assertEquals("step,lr,grad_norm,total,mse,mae", csv.get(0));
            assertEquals(201, csv.size());
            BufferedImage png = ImageIO.read(tmp.resolve("loss.png").toFile());
            assertEquals(1000, png.getWidth());
            assertEquals(600, png.getHeight());
            assertEquals(loop.config(), TrainingConfig.load(tmp.resolve("training_config.json")));
        }
    }

    @Test
    void accumulatedMicroBatchesGiveTheGradientOfTheWholeBatch(@TempDir Path tmp) {
        float[] big;
        float[] accumulated;
        try (Model model = new Model(0.2f);
                TrainingLoop<List<float[]>> loop = loop(config(tmp.resolve("big"), 8, 1, 5, 0, 0), model, 0f, false)) {
            loop.runStep();
            big = gradients(model);
        }
        try (Model model = new Model(0.2f);
                TrainingLoop<List<float[]>> loop = loop(config(tmp.resolve("acc"), 4, 2, 5, 0, 0), model, 0f, false)) {
            loop.runStep();
            accumulated = gradients(model);
        }
        // d mean((x w^T + b - y)^2) / dw = 2/8 sum (pred - y) x over the first 8 examples, in doubles
        List<float[]> data = examples();
        double[] expected = new double[4];
        float[] w = {0.2f, -0.2f, 0.1f};
        for (int i = 0; i < 8; i++) {
            float[] e = data.get(i);
            double err = w[0] * e[0] + w[1] * e[1] + w[2] * e[2] + 0.02f - e[3];
            for (int j = 0; j < 3; j++) {
                expected[j] += 2.0 / 8 * err * e[j];
            }
            expected[3] += 2.0 / 8 * err;
        }
        for (int j = 0; j < 4; j++) {
            assertEquals(expected[j], big[j], 1e-5, "big-batch gradient " + j);
            assertEquals(big[j], accumulated[j], 1e-6, "accumulated gradient " + j);
        }
    }

    @Test
    void aStepWithNonFiniteGradientsLeavesTheParameters(@TempDir Path tmp) {
        List<float[]> data = examples();
        TrainingConfig cfg = config(tmp, 4, 1, 5, 0);
        try (Model model = new Model(0.2f);
                TrainingLoop<List<float[]>> loop = TrainingLoop.<List<float[]>>builder(cfg)
                        .parameters(model.trainable())
                        .data(new BatchIterator<>(data.size(), data::get, cfg.batchSize(), cfg.seed(), false))
                        .step((batch, manager) -> {
                            LossTerms terms = step(model, 0f).compute(batch, manager);
                            // value 0, gradient NaN: d sqrt(|u|) / du at u = 0 is inf * sign(0)
                            NDArray zero = manager.zeros(new Shape(1, 3)).mul(model.weight.getArray()); // [1, 3]
                            return terms.add("nan_gradient", zero.abs().sqrt().sum());
                        })
                        .optProgressBar(false)
                        .build()) {
            float[] before = model.weights();
            TrainingRecord record = loop.runStep();
            assertTrue(Double.isNaN(record.gradNorm()), "gradient norm " + record.gradNorm());
            assertTrue(Double.isFinite(record.losses().get(LossTerms.TOTAL)), "the loss itself is finite");
            assertArrayEquals(before, model.weights(), "parameters after a skipped update");
        }
    }

    @Test
    void memoryDoesNotGrowFromStepToStep(@TempDir Path tmp) {
        try (Model model = new Model(0.2f);
                TrainingLoop<List<float[]>> loop = loop(config(tmp, 4, 2, 50, 0), model, 0.05f, true)) {
            loop.runStep();
            loop.runStep();
            int after2 = model.manager.getManagedArrays().size();
            for (int i = 0; i < 20; i++) {
                loop.runStep();
            }
            assertEquals(after2, model.manager.getManagedArrays().size());
        }
    }

    @Test
    void arraysLeakedIntoTheModelManagerAreNoticed() {
        try (Model model = new Model(0.2f)) {
            ArrayGrowthWatch watch = new ArrayGrowthWatch(List.of(model.manager));
            assertEquals(0, watch.check(1));
            model.weight.getArray().mul(2); // lands in the model's manager
            assertEquals(1, watch.check(2));
            assertEquals(0, watch.check(3));
        }
    }

    private static float[] gradients(Model model) {
        try (NDArray gw = Gradients.gradientOf(model.weight.getArray());
                NDArray gb = Gradients.gradientOf(model.bias.getArray())) {
            float[] w = gw.toFloatArray();
            return new float[] {w[0], w[1], w[2], gb.toFloatArray()[0]};
        }
    }

    @Test
    void stepSeedsDifferPerStepAndMicroBatch() {
        assertTrue(TrainingLoop.stepSeed(7, 0, 0) != TrainingLoop.stepSeed(7, 1, 0));
        assertTrue(TrainingLoop.stepSeed(7, 0, 0) != TrainingLoop.stepSeed(7, 0, 1));
        assertTrue(TrainingLoop.stepSeed(7, 0, 0) != TrainingLoop.stepSeed(8, 0, 0));
        assertArrayEquals(new int[] {TrainingLoop.stepSeed(7, 3, 1)}, new int[] {TrainingLoop.stepSeed(7, 3, 1)});
    }
}
