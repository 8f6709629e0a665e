package dev.seedj.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.weights.SafetensorsWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generation targets read from a safetensors file: stacking by key, and clear errors. */
class FileGenerationTargetsTest {

    @Test
    void stacksTheBatchInKeyOrderAndNamesProblems(@TempDir Path tmp) {
        Path file = tmp.resolve("targets.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            new SafetensorsWriter().write(file, Map.of(
                    "a.jpg.image_embeds", manager.create(new float[] {1, 2, 3}),
                    "b.jpg.image_embeds", manager.create(new float[] {4, 5, 6}),
                    "c.jpg.image_embeds", manager.create(new float[] {7, 8}),
                    "a.jpg.text_features", manager.create(new float[] {1, 2, 3, 4}, new Shape(2, 2))));
            try (FileGenerationTargets targets = FileGenerationTargets.open(file)) {
                NDArray batch = targets.imageEmbeds(List.of("b.jpg", "a.jpg"), manager);
                assertArrayEquals(new long[] {2, 3}, batch.getShape().getShape());
                assertArrayEquals(new float[] {4, 5, 6, 1, 2, 3}, batch.toFloatArray());
                assertArrayEquals(new long[] {1, 2, 2},
                        targets.textFeatures(List.of("a.jpg"), manager).getShape().getShape());
                IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                        () -> targets.textFeatures(List.of("a.jpg", "b.jpg"), manager));
                assertTrue(missing.getMessage().contains("b.jpg.text_features"), missing.getMessage());
                IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                        () -> targets.imageEmbeds(List.of("a.jpg", "c.jpg"), manager));
                assertTrue(shape.getMessage().contains("c.jpg.image_embeds"), shape.getMessage());
                // a JSONL key is the image path as written; a target under the file name alone is found too
                assertArrayEquals(new float[] {4, 5, 6, 1, 2, 3},
                        targets.imageEmbeds(List.of("imgs/b.jpg", "a.jpg"), manager).toFloatArray());
                IllegalArgumentException neither = assertThrows(IllegalArgumentException.class,
                        () -> targets.imageEmbeds(List.of("imgs/d.jpg"), manager));
                assertTrue(neither.getMessage().contains("'imgs/d.jpg.image_embeds' nor 'd.jpg.image_embeds'"),
                        neither.getMessage());
            }
        }
    }
}
