package dev.seedj.examples.docs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.core.weights.StateDict;
import dev.seedj.examples.shapes.ShapeSample;
import dev.seedj.examples.shapes.ShapesWorld;
import dev.seedj.tokenizer.TokenizerConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** data/seed-mini-sample is what its README says: shapes-world scenes 0..7 of seed 7, fitting SEED-mini's sizes. */
class SampleDatasetTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path SAMPLE = ROOT.resolve("data/seed-mini-sample");
    private static final int PICTURES = 8;

    @Test
    void picturesAndCaptionsAreTheScenes() throws IOException {
        List<String> lines = Files.readAllLines(SAMPLE.resolve("captions.jsonl"));
        assertEquals(PICTURES, lines.size());
        ShapesWorld world = ShapesWorld.train(7);
        for (int i = 0; i < PICTURES; i++) {
            JsonObject line = JsonParser.parseString(lines.get(i)).getAsJsonObject();
            ShapeSample sample = world.sample(i);
            assertEquals(String.format("images/%06d.png", i), line.get("image").getAsString());
            assertEquals(sample.caption(), line.get("caption").getAsString());
            BufferedImage stored = ImagePreprocessor.decode(SAMPLE.resolve(line.get("image").getAsString()));
            assertArrayEquals(rgb(sample.image()), rgb(stored), "picture " + i);
        }
    }

    @Test
    void targetsAndLanguageExamplesFitSeedMini() throws IOException {
        TokenizerConfig mini = TokenizerConfig.read(ROOT.resolve("models/seed-mini/tokenizer/seed-tokenizer.json"));
        try (StateDict targets = StateDict.open(SAMPLE.resolve("targets.safetensors"))) {
            assertEquals(PICTURES, targets.keys().size());
            for (int i = 0; i < PICTURES; i++) {
                String key = String.format("images/%06d.png.image_embeds", i);
                assertArrayEquals(new long[] {mini.generationDim()}, targets.info(key).shape(), key);
            }
        }
        List<String> examples = Files.readAllLines(SAMPLE.resolve("lm.jsonl"));
        assertEquals(2 * PICTURES, examples.size());
        Pattern code = Pattern.compile("<img_(\\d{5})>");
        for (String example : examples) {
            String prompt = JsonParser.parseString(example).getAsJsonObject().get("prompt").getAsString();
            assertTrue(prompt.startsWith("<img><img_") && prompt.contains("</img>"), prompt);
            Matcher m = code.matcher(prompt);
            int count = 0;
            while (m.find()) {
                assertTrue(Integer.parseInt(m.group(1)) < mini.codebook().size(), prompt);
                count++;
            }
            assertEquals(mini.numCodes(), count, prompt);
        }
    }

    private static int[] rgb(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }
}
