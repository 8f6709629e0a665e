package dev.seedj.core.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharded directories with an index JSON, and several paths merged with later ones overriding. */
class ShardedDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void shardedDirectoryOpensAsOneStateDict() throws IOException {
        writeShards(dir);
        Files.writeString(dir.resolve("model.safetensors.index.json"), """
                {"metadata": {"total_size": 40},
                 "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
                                "a.bias": "model-00001-of-00002.safetensors",
                                "b.weight": "model-00002-of-00002.safetensors",
                                "b.steps": "model-00002-of-00002.safetensors"}}
                """);
        try (StateDict sd = StateDict.open(dir); NDManager manager = NDManager.newBaseManager()) {
            assertEquals(Set.of("a.weight", "a.bias", "b.weight", "b.steps"), sd.keys());
            assertArrayEquals(new float[] {1, 2, 3, 4}, sd.getFloats("a.weight"));
            assertArrayEquals(new float[] {-1}, sd.getFloats("a.bias"));
            assertArrayEquals(new float[] {5, 6, 7}, sd.getFloats("b.weight"));
            assertArrayEquals(new long[] {9, 10}, sd.get("b.steps", manager).toLongArray());
            assertArrayEquals(new long[] {2, 2}, sd.info("a.weight").shape());
        }
    }

    @Test
    void indexMustMatchItsShards() throws IOException {
        writeShards(dir);
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"a.weight\": \"model-00002-of-00002.safetensors\"}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(dir));
        assertTrue(e.getMessage().contains("'a.weight'") && e.getMessage().contains("lacks it"), e.getMessage());

        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"a.weight\": \"../elsewhere.safetensors\"}}");
        e = assertThrows(CheckpointException.class, () -> StateDict.open(dir));
        assertTrue(e.getMessage().contains("not a file in the index's directory"), e.getMessage());

        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"a.weight\": \"model-00003-of-00002.safetensors\"}}");
        e = assertThrows(CheckpointException.class, () -> StateDict.open(dir));
        assertTrue(e.getMessage().contains("model-00003-of-00002.safetensors is missing"), e.getMessage());
    }

    @Test
    void laterPathsOverrideEarlierOnes() throws IOException {
        Path first = dir.resolve("first.safetensors");
        Path second = dir.resolve("second.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            new SafetensorsWriter().write(first, Map.of("x", manager.create(new float[] {1, 2}),
                    "only_first", manager.create(new float[] {3})));
            new SafetensorsWriter().write(second, Map.of("x", manager.create(new float[] {10, 20, 30}),
                    "only_second", manager.create(new long[] {4})));
        }
        try (StateDict sd = StateDict.open(first, second)) {
            assertEquals(Set.of("x", "only_first", "only_second"), sd.keys());
            assertArrayEquals(new float[] {10, 20, 30}, sd.getFloats("x"));
            assertArrayEquals(new long[] {3}, sd.info("x").shape());
            assertArrayEquals(new float[] {3}, sd.getFloats("only_first"));
        }
        try (StateDict sd = StateDict.open(second, first)) {
            assertArrayEquals(new float[] {1, 2}, sd.getFloats("x"));
        }
    }

    @Test
    void directoryWithoutACheckpointSaysWhatItLookedFor() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(dir));
        assertTrue(e.getMessage().contains("no checkpoint found") && e.getMessage().contains("model.safetensors"),
                e.getMessage());
    }

    private static void writeShards(Path dir) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, ai.djl.ndarray.NDArray> one = new LinkedHashMap<>();
            one.put("a.weight", manager.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2)));
            one.put("a.bias", manager.create(new float[] {-1}));
            new SafetensorsWriter().write(dir.resolve("model-00001-of-00002.safetensors"), one);
            new SafetensorsWriter().write(dir.resolve("model-00002-of-00002.safetensors"),
                    Map.of("b.weight", manager.create(new float[] {5, 6, 7}), "b.steps", manager.create(new long[] {9, 10})));
        }
    }
}
