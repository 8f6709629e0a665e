package dev.seedj.examples.mini;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.examples.shapes.ShapesWorld;
import dev.seedj.llm.PromptTemplates;
import dev.seedj.llm.text.TextTokenizer;
import dev.seedj.llm.train.LmExample;
import dev.seedj.tokenizer.SeedTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The task mix of the bundled language model ({@link MiniSequences#taskMix} over {@link TokenizedScenes}): four
 * sequences per scene whose targets are the caption (twice), the rendered picture's codes and the colour word; the
 * degraded pictures are reproducible.
 */
class TaskMixTest {
    private static final Path MODELS = findModels();

    private static Path findModels() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("models/seed-mini");
            if (Files.isDirectory(candidate.resolve("tokenizer"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("models/seed-mini not found above " + Path.of("").toAbsolutePath());
    }

    private static String target(TextTokenizer text, LmExample example) {
        long[] kept = Arrays.stream(example.labels()).filter(id -> id != LmExample.IGNORE).toArray();
        return text.decode(kept, true);
    }

    @Test
    void fourSequencesPerSceneWithTheirTargets() {
        ShapesWorld world = ShapesWorld.train(7);
        try (SeedTokenizer images = SeedTokenizer.load(MODELS.resolve("tokenizer"));
                TextTokenizer text = TextTokenizer.load(MODELS.resolve("llm"), images.config().codebook().size())) {
            TokenizedScenes scenes = TokenizedScenes.tokenize(images, world, 4, true);
            assertEquals(4, scenes.degraded().size());
            assertArrayEquals(images.tokenize(world.sample(2).image()), scenes.clean().get(2));
            assertArrayEquals(images.tokenize(TokenizedScenes.degradedPicture(world, 2, world.sample(2).image())),
                    scenes.degraded().get(2));
            MiniSequences sequences = new MiniSequences(text, PromptTemplates.load(MODELS.resolve("llm")), 2);
            List<LmExample> mix = sequences.taskMix(scenes);
            assertEquals(16, mix.size());
            for (int i = 0; i < 4; i++) {
                String caption = scenes.scenes().get(i).caption();
                assertEquals(caption, target(text, mix.get(4 * i)).strip());
                assertEquals(caption, target(text, mix.get(4 * i + 1)).strip());
                long[] codes = Arrays.stream(mix.get(4 * i + 2).labels()).filter(id -> id != LmExample.IGNORE)
                        .toArray();
                assertEquals(scenes.clean().get(i).length + 1, codes.length, "32 image tokens and </img>");
                assertEquals(scenes.scenes().get(i).colour().word(), target(text, mix.get(4 * i + 3)).strip());
            }
            assertTrue(TokenizedScenes.tokenize(images, world, 2, false).degraded().isEmpty());
        }
    }
}
