package dev.seedj.diffusion;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.testing.Oracle;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Tiny Stable Diffusion pipelines for the tests of the modules built on seed-diffusion (the facade, the command-line
 * tool), shared through this module's test jar.
 *
 * <p>Stateless; thread-safe as long as callers write to different folders.
 */
public final class TinyPipelines {
    /** The width of the tiny CLIP text encoder ({@code clip-text-tiny}), hence of the tiny unCLIP UNet's context. */
    public static final int TEXT_WIDTH = 64;
    /** sd-v1-tiny's context width. */
    public static final int SD_V1_TINY_CONTEXT = 32;

    private TinyPipelines() {}

    /**
     * @param dir a directory
     * @return the inference YAML of {@code sd-v1-tiny} (its {@code sd.ckpt} / {@code sd.safetensors}), written there
     */
    public static Path sdV1TinyYaml(Path dir) {
        try (InputStream in = TinyPipelines.class.getResourceAsStream("sd-v1-tiny.yaml")) {
            return Files.write(dir.resolve("sd-v1-tiny.yaml"), in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a complete Stable unCLIP diffusers folder: sd-unclip-tiny's VAE and schedulers, a UNet of its shape with
     * random weights reading a {@value #TEXT_WIDTH}-wide context and image embeddings of {@code imageEmbedDim}, an
     * identity image normalizer, and the {@code clip-text-tiny} text encoder ({@code quick_gelu}) and tokenizer.
     *
     * @param folder where to write it (created)
     * @param imageEmbedDim E, the width of the image embeddings it is conditioned on
     * @param seed seeds the UNet's weights
     * @return {@code folder}
     */
    public static Path unclipFolder(Path folder, int imageEmbedDim, long seed) {
        Path unclip = Oracle.path(DiffusersFolders.CASE);
        Path clip = Oracle.path("clip-text-tiny");
        try {
            JsonObject index = readJson(unclip.resolve(DiffusersLoader.MODEL_INDEX));
            index.add("text_encoder", pair("transformers", "CLIPTextModel"));
            index.add("tokenizer", pair("transformers", "CLIPTokenizer"));
            ReleasedShapes.writeJson(folder.resolve(DiffusersLoader.MODEL_INDEX), index);
            copy(unclip.resolve("vae"), folder.resolve("vae"), "config.json", "diffusion_pytorch_model.safetensors");
            copy(unclip.resolve("scheduler"), folder.resolve("scheduler"), "scheduler_config.json");
            copy(unclip.resolve("image_noising_scheduler"), folder.resolve("image_noising_scheduler"),
                    "scheduler_config.json");
            copy(clip.resolve("quick_gelu/text_encoder"), folder.resolve("text_encoder"), "config.json",
                    "model.safetensors");
            copy(clip.resolve("tokenizer"), folder.resolve("tokenizer"), "vocab.json", "merges.txt",
                    "tokenizer_config.json", "special_tokens_map.json");

            JsonObject unetJson = readJson(unclip.resolve("unet/config.json"));
            unetJson.addProperty("cross_attention_dim", TEXT_WIDTH);
            unetJson.addProperty("projection_class_embeddings_input_dim", 2 * imageEmbedDim);
            ReleasedShapes.writeJson(folder.resolve("unet/config.json"), unetJson);
            JsonObject normalizer = new JsonObject();
            normalizer.addProperty("embedding_dim", imageEmbedDim);
            ReleasedShapes.writeJson(folder.resolve("image_normalizer/config.json"), normalizer);
            try (NDManager m = NDManager.newBaseManager()) {
                UNet unet = new UNet(DiffusersConfigs.unet(unetJson, folder.resolve("unet/config.json")),
                        CheckpointLayout.DIFFUSERS);
                ReleasedShapes.randomize(unet, m, seed);
                ReleasedShapes.write(folder.resolve("unet/diffusion_pytorch_model.safetensors"), Map.of("", unet),
                        Map.of());
                ReleasedShapes.write(folder.resolve("image_normalizer/diffusion_pytorch_model.safetensors"), Map.of(),
                        Map.of("mean", m.zeros(new Shape(1, imageEmbedDim)), "std", m.ones(new Shape(1, imageEmbedDim))));
            }
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(Path from, Path to, String... names) throws IOException {
        Files.createDirectories(to);
        for (String name : names) {
            Files.copy(from.resolve(name), to.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static JsonObject readJson(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    private static JsonArray pair(String library, String className) {
        JsonArray a = new JsonArray();
        a.add(library);
        a.add(className);
        return a;
    }
}
