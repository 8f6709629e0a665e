package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.weights.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The released Stable Diffusion shapes (SD v1.4 as the built-in {@code v1-inference.yaml} describes it, SD 2.1
 * unCLIP's diffusers configs) at any channel width, and writers that put random weights in their real files.
 */
final class ReleasedShapes {
    private ReleasedShapes() {}

    /** SD v1.4's UNet with {@code modelChannels} instead of 320 (8 heads, context 768). */
    static UNetConfig sdV14Unet(int modelChannels) {
        List<Integer> mult = List.of(1, 2, 4, 4);
        return new UNetConfig(4, 4, modelChannels, mult, 2, List.of(true, true, true, false),
                Collections.nCopies(4, 8), mult.stream().map(m -> m * modelChannels / 8).toList(), 1, 768, false, 0);
    }

    /** SD v1.x / 2.x VAE with {@code ch} instead of 128. */
    static VaeConfig sdVae(int ch) {
        return new VaeConfig(3, ch, List.of(1, 2, 4, 4), 2, Collections.nCopies(4, false), 4, 4, 0.18215f);
    }

    /** The v1-inference.yaml text with other UNet and VAE widths. */
    static String v1Yaml(int modelChannels, int vaeChannels) {
        try (var in = StableDiffusion.class.getResourceAsStream(CompVisLoader.V1_INFERENCE_YAML)) {
            String yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return yaml.replace("model_channels: 320", "model_channels: " + modelChannels)
                    .replace("ch: 128", "ch: " + vaeChannels);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SD 2.1 unCLIP's {@code unet/config.json} with channels {@code c, 2c, 4c, 4c} and 64-wide heads as released. */
    static JsonObject unclipUnetJson(int c, int dimHead) {
        JsonObject j = new JsonObject();
        j.addProperty("_class_name", "UNet2DConditionModel");
        j.add("attention_head_dim", ints(c / dimHead, 2 * c / dimHead, 4 * c / dimHead, 4 * c / dimHead));
        j.add("block_out_channels", ints(c, 2 * c, 4 * c, 4 * c));
        j.addProperty("class_embed_type", "projection");
        j.addProperty("cross_attention_dim", 1024);
        j.add("down_block_types", strings("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                "DownBlock2D"));
        j.add("up_block_types", strings("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                "CrossAttnUpBlock2D"));
        j.addProperty("in_channels", 4);
        j.addProperty("out_channels", 4);
        j.addProperty("layers_per_block", 2);
        j.addProperty("projection_class_embeddings_input_dim", 2048);
        j.addProperty("use_linear_projection", true);
        j.addProperty("upcast_attention", true);
        j.addProperty("flip_sin_to_cos", true);
        j.addProperty("freq_shift", 0);
        j.add("num_class_embeds", JsonNull.INSTANCE);
        j.addProperty("sample_size", 96);
        return j;
    }

    /** SD's {@code vae/config.json} with {@code ch} instead of 128. */
    static JsonObject vaeJson(int ch) {
        JsonObject j = new JsonObject();
        j.addProperty("_class_name", "AutoencoderKL");
        j.add("block_out_channels", ints(ch, 2 * ch, 4 * ch, 4 * ch));
        j.add("down_block_types", strings("DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D",
                "DownEncoderBlock2D"));
        j.add("up_block_types", strings("UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D",
                "UpDecoderBlock2D"));
        j.addProperty("in_channels", 3);
        j.addProperty("out_channels", 3);
        j.addProperty("latent_channels", 4);
        j.addProperty("layers_per_block", 2);
        j.addProperty("sample_size", 768);
        j.addProperty("scaling_factor", 0.18215);
        return j;
    }

    /** Gives every parameter of {@code block} a random array (biases and norms random too, so a mix-up shows). */
    static void randomize(SeedBlock block, NDManager manager, long seed) {
        manager.getEngine().setRandomSeed((int) seed);
        for (Map.Entry<String, ai.djl.ndarray.types.Shape> e : block.declaredShapes().entrySet()) {
            Parameter p = block.namedParameters().get(e.getKey());
            NDArray values = manager.randomNormal(0f, 0.05f, e.getValue(), ai.djl.ndarray.types.DataType.FLOAT32);
            p.setArray(values);
        }
    }

    /** Writes the parameters of each block, each under its key prefix, to one safetensors file. */
    static void write(Path file, Map<String, SeedBlock> blocksByPrefix, Map<String, NDArray> extra) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, SeedBlock> b : blocksByPrefix.entrySet()) {
            b.getValue().namedParameters().forEach((name, p) -> tensors.put(b.getKey() + name, p.getArray()));
        }
        tensors.putAll(extra);
        new SafetensorsWriter().write(file, tensors);
    }

    static void writeJson(Path file, JsonObject json) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, json.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A diffusers SD 2.1 unCLIP folder around the given unet and vae weights. */
    static void writeUnclipFolder(Path folder, JsonObject unetJson, UNet unet, JsonObject vaeJson, AutoencoderKL vae) {
        JsonObject index = new JsonObject();
        index.addProperty("_class_name", "StableUnCLIPImg2ImgPipeline");
        for (String[] c : new String[][] {{"unet", "diffusers", "UNet2DConditionModel"},
                {"vae", "diffusers", "AutoencoderKL"}, {"scheduler", "diffusers", "PNDMScheduler"},
                {"image_normalizer", "stable_diffusion", "StableUnCLIPImageNormalizer"},
                {"image_noising_scheduler", "diffusers", "DDPMScheduler"}}) {
            index.add(c[0], strings(c[1], c[2]));
        }
        JsonArray none = new JsonArray();
        none.add(JsonNull.INSTANCE);
        none.add(JsonNull.INSTANCE);
        index.add("text_encoder", none);
        writeJson(folder.resolve(DiffusersLoader.MODEL_INDEX), index);
        writeJson(folder.resolve("unet/config.json"), unetJson);
        write(folder.resolve("unet/diffusion_pytorch_model.safetensors"), Map.of("", unet), Map.of());
        writeJson(folder.resolve("vae/config.json"), vaeJson);
        write(folder.resolve("vae/diffusion_pytorch_model.safetensors"), Map.of("", vae), Map.of());
        JsonObject scheduler = new JsonObject();
        scheduler.addProperty("_class_name", "PNDMScheduler");
        scheduler.addProperty("prediction_type", "v_prediction");
        writeJson(folder.resolve("scheduler/scheduler_config.json"), scheduler);
        JsonObject normalizer = new JsonObject();
        normalizer.addProperty("embedding_dim", 1024);
        writeJson(folder.resolve("image_normalizer/config.json"), normalizer);
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) { // the released 1 x 1024 statistics
            write(folder.resolve("image_normalizer/diffusion_pytorch_model.safetensors"), Map.of(),
                    Map.of("mean", m.zeros(new ai.djl.ndarray.types.Shape(1, 1024)),
                            "std", m.ones(new ai.djl.ndarray.types.Shape(1, 1024))));
        }
        JsonObject noising = new JsonObject();
        noising.addProperty("beta_schedule", "squaredcos_cap_v2");
        writeJson(folder.resolve("image_noising_scheduler/scheduler_config.json"), noising);
    }

    private static JsonArray ints(int... values) {
        JsonArray a = new JsonArray();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    private static JsonArray strings(String... values) {
        JsonArray a = new JsonArray();
        for (String v : values) {
            a.add(v);
        }
        return a;
    }
}
