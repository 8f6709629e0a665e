package dev.seedj.examples.mini;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.examples.shapes.ShapesWorld;
import dev.seedj.multimodal.SeedOpt;
import dev.seedj.tokenizer.SeedTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SEED-mini recipe end to end at {@link SeedMiniSettings#smoke()} sizes: every phase runs and writes a model
 * the inference API loads, the report records every phase, and one seed gives the same weights twice.
 */
class SeedMiniRecipeTest {
    private static final long SEED = 3;

    @TempDir
    Path tmp;

    private SeedMiniRecipe recipe(Path root) {
        return new SeedMiniRecipe(root.resolve("models"), root.resolve("work"), null, SEED, SeedMiniSettings.smoke());
    }

    @Test
    void everyPhaseWritesAModelTheInferenceApiLoads() throws Exception {
        SeedMiniRecipe recipe = recipe(tmp);
        for (String phase : SeedMiniRecipe.PHASES) {
            assertTrue(recipe.runPhase(phase) > 0, phase);
        }
        Path models = tmp.resolve("models");
        JsonObject report = JsonParser.parseString(Files.readString(models.resolve(SeedMiniRecipe.REPORT_FILE)))
                .getAsJsonObject();
        assertEquals(SEED, report.get("seed").getAsLong());
        for (String phase : SeedMiniRecipe.PHASES) {
            assertTrue(report.getAsJsonObject("seconds").get(phase).getAsDouble() > 0, phase);
            double loss = report.getAsJsonObject("final_losses").getAsJsonObject(phase).get("total").getAsDouble();
            assertTrue(Double.isFinite(loss) && loss > 0, phase + " loss " + loss);
        }
        try (SeedTokenizer tokenizer = SeedTokenizer.load(models.resolve("tokenizer"));
                SeedOpt model = SeedOpt.load(models.resolve("llm"), models.resolve("adapter"), tokenizer)) {
            int[] codes = tokenizer.tokenize(ShapesWorld.test(SEED).sample(0).image());
            assertEquals(32, codes.length);
            assertEquals(SeedMiniSettings.GENERATION_DIM, tokenizer.detokenize(codes)[0].length);
            assertEquals(SeedMiniSettings.GENERATION_DIM, model.generateConditioning("a small red circle on a white "
                    + "background")[0].length);
        }
        assertTrue(Files.isRegularFile(models.resolve("tokenizer/pixel-decoder.safetensors")));
        assertTrue(Files.isRegularFile(models.resolve("stage1/vocab.txt")));
    }

    @Test
    void oneSeedGivesTheSameWeights() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        recipe(a).runPhase("stage1");
        recipe(b).runPhase("stage1");
        byte[] first = Files.readAllBytes(a.resolve("models/stage1/model.safetensors"));
        byte[] second = Files.readAllBytes(b.resolve("models/stage1/model.safetensors"));
        assertArrayEquals(first, second);
        assertFalse(Files.exists(a.resolve("models/tokenizer")), "a phase writes only its own folder");
    }

    @Test
    void aPhaseNeedsTheOnesBefore() {
        SeedMiniRecipe recipe = recipe(tmp);
        assertThrows(RuntimeException.class, () -> recipe.runPhase("llm"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> recipe.runPhase("stage3"));
        assertTrue(unknown.getMessage().contains("stage3"), unknown.getMessage());
    }
}
