package dev.seedj.diffusion;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.core.nn.LoadReport;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.nn.StateDictLoader;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a diffusers pipeline folder: {@code model_index.json} lists the components; {@code unet/} and {@code vae/}
 * ({@code config.json} + {@code diffusion_pytorch_model[.fp16].{safetensors,bin}}) are loaded, {@code scheduler/}
 * is read, and the folders of the other components ({@code text_encoder/}, {@code tokenizer/},
 * {@code image_normalizer/}, {@code image_noising_scheduler/}) are checked and handed on. A component that
 * {@code model_index.json} lists must have its folder.
 *
 * <p>Stateless and thread-safe.
 */
final class DiffusersLoader {
    static final String MODEL_INDEX = "model_index.json";
    private static final List<String> REQUIRED = List.of("unet", "vae", "scheduler");
    private static final List<String> WEIGHT_FILES = List.of("diffusion_pytorch_model.safetensors",
            "diffusion_pytorch_model.bin", "diffusion_pytorch_model.fp16.safetensors",
            "diffusion_pytorch_model.fp16.bin");

    private DiffusersLoader() {}

    /**
     * @param folder the pipeline folder
     * @param device where the parameters go
     * @return the loaded pipeline (its manager owns everything)
     * @throws CheckpointException if the folder is not a diffusers pipeline, a component is missing or unsupported,
     *     or weights do not match their config
     */
    static LoadedPipeline load(Path folder, Device device) {
        if (!Files.isDirectory(folder)) {
            throw new CheckpointException(folder + ": not a directory (a diffusers pipeline folder was expected; for a"
                    + " CompVis single-file checkpoint call StableDiffusion.load(checkpoint, inferenceYaml))");
        }
        Path indexFile = folder.resolve(MODEL_INDEX);
        if (!Files.isRegularFile(indexFile)) {
            throw new CheckpointException(folder + ": no " + MODEL_INDEX + "; not a diffusers pipeline folder");
        }
        JsonObject index = readJson(indexFile);
        Map<String, Path> components = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> entry : index.entrySet()) {
            String name = entry.getKey();
            if (name.startsWith("_") || !listed(entry.getValue())) {
                continue;
            }
            Path dir = folder.resolve(name);
            if (!Files.isDirectory(dir)) {
                throw new CheckpointException(folder + ": component '" + name + "' is listed in " + MODEL_INDEX
                        + " but its folder " + name + "/ is missing");
            }
            components.put(name, dir);
        }
        for (String name : REQUIRED) {
            if (!components.containsKey(name)) {
                throw new CheckpointException(folder + ": the pipeline has no '" + name + "' component ("
                        + MODEL_INDEX + " must list it and " + name + "/ must exist)");
            }
        }
        JsonObject unetJson = readJson(components.get("unet").resolve("config.json"));
        JsonObject vaeJson = readJson(components.get("vae").resolve("config.json"));
        JsonObject scheduler = readJson(components.get("scheduler").resolve("scheduler_config.json"));
        UNetConfig unetConfig;
        VaeConfig vaeConfig;
        try {
            unetConfig = DiffusersConfigs.unet(unetJson, components.get("unet").resolve("config.json"));
            vaeConfig = DiffusersConfigs.vae(vaeJson, components.get("vae").resolve("config.json"));
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            throw new CheckpointException(folder + ": unsupported or malformed unet/vae config: " + e.getMessage(), e);
        }
        Prediction prediction;
        try {
            prediction = Prediction.fromName(scheduler.has("prediction_type")
                    ? scheduler.get("prediction_type").getAsString() : "epsilon");
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(components.get("scheduler") + "/scheduler_config.json: " + e.getMessage(), e);
        }
        Path unetFile = weightFile(components.get("unet"));
        Path vaeFile = weightFile(components.get("vae"));
        try (StateDict unetWeights = StateDict.open(unetFile); StateDict vaeWeights = StateDict.open(vaeFile)) {
            NDManager manager = NDManager.newBaseManager(device);
            try {
                UNet unet = new UNet(unetConfig, CheckpointLayout.DIFFUSERS);
                List<String> unused = new ArrayList<>();
                load(unet, unetWeights, manager, unetFile).unexpected().forEach(k -> unused.add("unet/" + k));
                boolean legacyNames = vaeWeights.contains("decoder.mid_block.attentions.0.query.weight");
                AutoencoderKL vae = new AutoencoderKL(vaeConfig, CheckpointLayout.DIFFUSERS, legacyNames);
                load(vae, vaeWeights, manager, vaeFile).unexpected().forEach(k -> unused.add("vae/" + k));
                return new LoadedPipeline(manager, device, unet, vae, CheckpointLayout.DIFFUSERS, prediction,
                        PixelRounding.ROUND, null, null, scheduler, null, null, components, unused);
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
        }
    }

    /** A model_index.json entry is {@code [library, class]}; {@code [null, null]} means "not part of this pipeline". */
    private static boolean listed(JsonElement value) {
        if (!value.isJsonArray()) {
            return false;
        }
        JsonArray pair = value.getAsJsonArray();
        for (JsonElement e : pair) {
            if (!e.isJsonNull()) {
                return true;
            }
        }
        return false;
    }

    private static Path weightFile(Path componentFolder) {
        for (String name : WEIGHT_FILES) {
            Path file = componentFolder.resolve(name);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        throw new CheckpointException(componentFolder + ": no weights; looked for " + WEIGHT_FILES);
    }

    private static LoadReport load(SeedBlock block, StateDict weights, NDManager manager, Path file) {
        try {
            return StateDictLoader.load(block, weights, manager);
        } catch (CheckpointException e) {
            throw new CheckpointException(file + " does not match its config.json: " + e.getMessage(), e);
        }
    }

    static JsonObject readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + ": missing");
        }
        try {
            JsonElement parsed = JsonParser.parseString(Files.readString(file));
            if (!parsed.isJsonObject()) {
                throw new CheckpointException(file + ": not a JSON object");
            }
            return parsed.getAsJsonObject();
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e, e);
        } catch (RuntimeException e) {
            if (e instanceof CheckpointException ce) {
                throw ce;
            }
            throw new CheckpointException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }
}
