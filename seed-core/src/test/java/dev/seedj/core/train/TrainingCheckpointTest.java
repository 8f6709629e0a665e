package dev.seedj.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.SafetensorsWriter;
import dev.seedj.core.weights.StateDict;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingCheckpointTest {

    @Test
    void savesParametersUnderTheirNamesAndFindsTheLatest(@TempDir Path dir) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameter w = AdamWTest.parameter("w", manager.create(new float[] {1f, 2f}));
            List<TrainableParameter> params = List.of(new TrainableParameter("blocks.0.w", w, true));
            try (AdamW adam = new AdamW(params, AdamWSettings.lavisDefaults())) {
                TrainingCheckpoint.save(TrainingCheckpoint.fileFor(dir, 5), new CheckpointInfo(5, 1, new DataPosition(2,
                        3)), params, adam);
                TrainingCheckpoint.save(TrainingCheckpoint.fileFor(dir, 12), new CheckpointInfo(12, 1,
                        new DataPosition(4, 0)), params, adam);
                Path latest = TrainingCheckpoint.latest(dir).orElseThrow();
                assertEquals("step-00000012.safetensors", latest.getFileName().toString());
                try (StateDict dict = StateDict.open(latest)) {
                    assertEquals(2f, dict.getFloats("blocks.0.w")[1]); // loadable as plain weights
                }
                w.getArray().muli(0);
                CheckpointInfo info = TrainingCheckpoint.load(TrainingCheckpoint.fileFor(dir, 5), params, adam);
                assertEquals(new CheckpointInfo(5, 1, new DataPosition(2, 3)), info);
                assertEquals(2f, w.getArray().toFloatArray()[1]);
            }
            assertTrue(TrainingCheckpoint.latest(dir.resolve("none")).isEmpty());
        }
    }

    @Test
    void rejectsCheckpointsThatDoNotFit(@TempDir Path dir) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameter w = AdamWTest.parameter("w", manager.create(new float[] {1f, 2f}));
            List<TrainableParameter> params = List.of(new TrainableParameter("w", w, true));
            try (AdamW adam = new AdamW(params, AdamWSettings.lavisDefaults())) {
                Path plain = dir.resolve("plain.safetensors");
                new SafetensorsWriter().write(plain, Map.of("w", manager.zeros(new Shape(2))));
                CheckpointException e = assertThrows(CheckpointException.class,
                        () -> TrainingCheckpoint.load(plain, params, adam));
                assertTrue(e.getMessage().contains("not a training checkpoint"), e.getMessage());

                Parameter other = AdamWTest.parameter("w", manager.create(new float[] {1f, 2f, 3f}));
                List<TrainableParameter> bigger = List.of(new TrainableParameter("w", other, true));
                Path file = TrainingCheckpoint.fileFor(dir, 1);
                TrainingCheckpoint.save(file, new CheckpointInfo(1, 0, DataPosition.START), params, adam);
                try (AdamW adam2 = new AdamW(bigger, AdamWSettings.lavisDefaults())) {
                    e = assertThrows(CheckpointException.class, () -> TrainingCheckpoint.load(file, bigger, adam2));
                    assertTrue(e.getMessage().contains("'w' has shape [2]"), e.getMessage());
                }
                List<TrainableParameter> renamed = List.of(new TrainableParameter("v", w, true));
                e = assertThrows(CheckpointException.class, () -> TrainingCheckpoint.load(file, renamed, adam));
                assertTrue(e.getMessage().contains("lacks trainable parameter 'v'"), e.getMessage());
            }
        }
    }
}
