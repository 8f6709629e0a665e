package dev.seedj.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.seedj.core.config.ConfigException;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.diffusion.sampling.SchedulerConfig;
import dev.seedj.diffusion.sampling.StableUnCLIPImageNormalizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The diffusers configs are read with the config binder: a bad field is reported with its file and JSON path. */
class ConfigErrorsTest {
    @TempDir
    Path temp;

    @Test
    void schedulerConfigErrorsNameTheFileAndPath() throws IOException {
        Path offset = Files.writeString(temp.resolve("offset.json"), "{\"steps_offset\": \"one\"}");
        ConfigException e = assertThrows(ConfigException.class, () -> SchedulerConfig.fromDiffusersJson(offset));
        assertEquals(offset + ": $.steps_offset: expected an integer, got \"one\"", e.getMessage());
        Path prediction = Files.writeString(temp.resolve("prediction.json"), "{\"prediction_type\": \"x0\"}");
        e = assertThrows(ConfigException.class, () -> SchedulerConfig.fromDiffusersJson(prediction));
        assertEquals("$.prediction_type", e.path());
        assertEquals(prediction.toString(), e.source());
        Path schedule = Files.writeString(temp.resolve("schedule.json"), "{\"beta_schedule\": \"sigmoid\"}");
        e = assertThrows(ConfigException.class, () -> SchedulerConfig.fromDiffusersJson(schedule));
        assertEquals("$.beta_schedule", e.path());
        Path missing = temp.resolve("missing.json");
        assertEquals(missing + ": $: no such file",
                assertThrows(ConfigException.class, () -> SchedulerConfig.fromDiffusersJson(missing)).getMessage());
    }

    @Test
    void modelConfigErrorsNameTheFileAndPath() throws IOException {
        JsonObject unet = ReleasedShapes.unclipUnetJson(32, 8);
        JsonArray channels = new JsonArray();
        channels.add(32);
        channels.add("64");
        unet.add("block_out_channels", channels);
        Path file = temp.resolve("unet.json");
        CheckpointException e = assertThrows(CheckpointException.class, () -> DiffusersConfigs.unet(unet, file));
        assertEquals(file + ": $.block_out_channels[1]: expected an integer, got \"64\"", e.getMessage());
        JsonObject vae = ReleasedShapes.vaeJson(32);
        vae.addProperty("act_fn", "gelu");
        e = assertThrows(CheckpointException.class, () -> DiffusersConfigs.vae(vae, file));
        assertEquals(file + ": $.act_fn: = \"gelu\" is not supported (only silu)", e.getMessage());

        Path normalizer = Files.createDirectories(temp.resolve("image_normalizer"));
        Files.writeString(normalizer.resolve("config.json"), "{\"embedding_dim\": 0}");
        try (NDManager m = NDManager.newBaseManager()) {
            e = assertThrows(CheckpointException.class, () -> StableUnCLIPImageNormalizer.load(normalizer, m));
            assertTrue(e.getMessage().endsWith("config.json: $.embedding_dim: must be positive, got 0"), e.getMessage());
        }
    }
}
