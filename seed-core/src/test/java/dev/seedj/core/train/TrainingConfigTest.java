package dev.seedj.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.core.config.ConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TrainingConfigTest {
    private static final String FULL = """
            {"learning_rate": 1e-4, "min_learning_rate": 1e-5, "warmup_learning_rate": 1e-6, "warmup_steps": 50,
             "total_steps": 1000, "schedule": "constant", "weight_decay": 0.02, "betas": [0.8, 0.99], "eps": 1e-6,
             "batch_size": 16, "grad_accumulation": 4, "clip_norm": 1.5, "checkpoint_every": 200, "log_every": 20,
             "output_dir": "runs/x", "seed": 3}
            """;

    @Test
    void readsEveryField() {
        TrainingConfig c = TrainingConfig.fromJson(FULL);
        assertEquals(1e-4, c.learningRate());
        assertEquals(1e-5, c.minLearningRate());
        assertEquals(1e-6, c.warmupLearningRate());
        assertEquals(50, c.warmupSteps());
        assertEquals(1000, c.totalSteps());
        assertEquals(TrainingConfig.Schedule.CONSTANT, c.schedule());
        assertEquals(new AdamWSettings(0.8, 0.99, 1e-6, 0.02), c.adamW());
        assertEquals(16, c.batchSize());
        assertEquals(4, c.gradAccumulation());
        assertEquals(1.5, c.clipNorm());
        assertEquals(200, c.checkpointEvery());
        assertEquals(20, c.logEvery());
        assertEquals(Path.of("runs/x"), c.outputDir());
        assertEquals(3, c.seed());
        assertEquals(new WarmupConstantSchedule(1e-4, 1e-6, 50), c.learningRateSchedule());
        assertEquals(c, TrainingConfig.fromJson(c.toJson()));
    }

    @Test
    void fillsDefaults() {
        TrainingConfig c = TrainingConfig.fromJson(
                "{\"learning_rate\": 1e-4, \"total_steps\": 10, \"batch_size\": 2, \"output_dir\": \"out\"}");
        assertEquals(TrainingConfig.defaults(1e-4, 10, 2, Path.of("out")), c);
        assertEquals(AdamWSettings.lavisDefaults(), c.adamW());
        assertEquals(new WarmupCosineSchedule(1e-4, 0, 0, 0, 10), c.learningRateSchedule());
    }

    @Test
    void theBuilderStartsFromTheDefaults() {
        TrainingConfig c = TrainingConfig.builder(1e-3, 20, 4, Path.of("o")).schedule(TrainingConfig.Schedule.CONSTANT)
                .betas(0.9, 0.98).seed(5).build();
        TrainingConfig d = TrainingConfig.defaults(1e-3, 20, 4, Path.of("o"));
        assertEquals(new AdamWSettings(0.9, 0.98, d.eps(), d.weightDecay()), c.adamW());
        assertEquals(TrainingConfig.Schedule.CONSTANT, c.schedule());
        assertEquals(5, c.seed());
        assertEquals(d.logEvery(), c.logEvery());
        assertEquals(c, c.toBuilder().build());
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainingConfig.builder(1e-3, 20, 4, Path.of("o")).logEvery(0).build());
        assertEquals("$.log_every", e.path());
    }

    @Test
    void errorsNameTheBadField() {
        assertMessage("$.learning_rate: missing",
                "{\"total_steps\": 10, \"batch_size\": 2, \"output_dir\": \"o\"}");
        assertMessage("$.batch_size: must be >= 1", FULL.replace("\"batch_size\": 16", "\"batch_size\": 0"));
        assertMessage("$.betas: must be an array of two numbers", FULL.replace("[0.8, 0.99]", "[0.8]"));
        assertMessage("$.betas: both must be in [0, 1)", FULL.replace("[0.8, 0.99]", "[0.8, 1.0]"));
        assertMessage("$.warmup_steps: must be in [0, total_steps",
                FULL.replace("\"warmup_steps\": 50", "\"warmup_steps\": 5000"));
        assertMessage("$.total_steps: expected an integer", FULL.replace("\"total_steps\": 1000", "\"total_steps\": 1.5"));
        assertMessage("$.eps: expected a number", FULL.replace("\"eps\": 1e-6", "\"eps\": \"small\""));
        assertMessage("$.schedule: must be one of \"cosine\", \"constant\"", FULL.replace("\"constant\"", "\"linear\""));
        assertMessage("$.min_learning_rate: must be in [0, learning_rate",
                FULL.replace("\"min_learning_rate\": 1e-5", "\"min_learning_rate\": 1e-3"));
        assertMessage("$.learning_rte: unknown key", FULL.replace("\"learning_rate\"", "\"learning_rte\""));
        assertMessage("not valid JSON", "{\"learning_rate\": ");
        assertMessage("$.learning_rate: expected a number", "{\"learning_rate\": [1]}");
        ConfigException lenient = assertThrows(ConfigException.class, () -> TrainingConfig.fromJson("{\"a\" 1}"));
        assertFalse(lenient.getMessage().contains("LENIENT") || lenient.getMessage().contains("setLenient"),
                "Gson's advice on lenient parsing is not for the user: " + lenient.getMessage());
    }

    private static void assertMessage(String part, String json) {
        ConfigException e = assertThrows(ConfigException.class, () -> TrainingConfig.fromJson(json));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
