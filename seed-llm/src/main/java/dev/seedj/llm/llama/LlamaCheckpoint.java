package dev.seedj.llm.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.seedj.core.nn.LoadReport;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.StateDict;
import dev.seedj.core.weights.TensorInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The weight files of a Hugging Face LLaMA directory, loaded shard by shard: {@code model.safetensors.index.json}
 * (sharded safetensors), {@code model.safetensors}, {@code pytorch_model.bin.index.json} (sharded pickles, read
 * through core's allow-list unpickler) or {@code pytorch_model.bin}, in that order of preference.
 *
 * <p>Everything that can be checked without reading tensor data is checked before the first weight is read: every
 * shard the index names exists, every parameter of the model is in the index (or the single file), every shard
 * holds the keys the index gives it, every shape matches the config. Loading then opens one shard at a time,
 * converts each of its tensors to the compute dtype into the model's manager and closes the shard, so memory
 * during loading stays near the final weight bytes plus one tensor.
 *
 * <p>Checkpoint keys no parameter asks for are tolerated and reported (the reference loads with
 * {@code strict=False}); a stored {@code lm_head.weight} of a model with tied embeddings is ignored, as Hugging
 * Face re-ties it. The {@code rotary_emb.inv_freq} buffers that transformers before 4.31 saves are compared with
 * the frequencies computed from the config and then ignored, as transformers ignores them (its cos/sin tables are
 * built from the config at construction); a mismatch (a config whose {@code rope_theta} is not the one the
 * checkpoint was saved with) is logged as a warning.
 *
 * <p>Stateless and thread-safe.
 */
final class LlamaCheckpoint {
    private static final Logger LOG = LoggerFactory.getLogger(LlamaCheckpoint.class);
    private static final List<String> CANDIDATES = List.of(
            "model.safetensors.index.json", "model.safetensors", "pytorch_model.bin.index.json", "pytorch_model.bin");
    private static final String INV_FREQ = "rotary_emb.inv_freq";
    /** inv_freq may be stored in 16 bits: agreement within float16 rounding counts as equal. */
    private static final double INV_FREQ_RELATIVE_TOLERANCE = 1e-3;
    private static final long MAX_INDEX_BYTES = 100_000_000L;

    private LlamaCheckpoint() {}

    /**
     * Fills every parameter of {@code network} from the checkpoint in {@code dir}.
     *
     * @param dir the model directory
     * @param network the model, with shapes declared and no arrays yet
     * @param rotary the rotary embedding of the config, to compare stored {@code inv_freq} buffers with
     * @param conversion reads a tensor in the compute dtype
     * @param manager owns the loaded arrays; the caller closes it if this throws
     * @param afterRead called with each parameter's name right after its array is set (e.g. to quantise it before
     *     the next tensor is read)
     * @return what was loaded and what was ignored
     * @throws CheckpointException naming the file and key of a missing shard, missing key or shape mismatch
     */
    static LoadReport load(Path dir, LlamaForCausalLm network, LlamaRotaryEmbedding rotary,
            WeightConversion conversion, NDManager manager, Consumer<String> afterRead) {
        Map<Path, List<String>> plan = plan(dir);
        Map<String, Parameter> params = network.namedParameters();
        Map<String, Shape> shapes = network.declaredShapes();
        List<String> unexpected = new ArrayList<>();
        checkAll(plan, params, shapes, rotary, unexpected);
        List<String> loaded = new ArrayList<>();
        for (Map.Entry<Path, List<String>> shard : plan.entrySet()) {
            try (StateDict weights = StateDict.open(shard.getKey())) {
                for (String key : shard.getValue()) {
                    Parameter p = params.get(key);
                    if (p != null && !loaded.contains(key)) {
                        NDArray array = conversion.read(weights, key, manager);
                        p.setArray(array);
                        afterRead.accept(key);
                        loaded.add(key);
                    }
                }
            }
            LOG.debug("loaded shard {}", shard.getKey().getFileName());
        }
        if (!unexpected.isEmpty()) {
            LOG.info("LLaMA checkpoint {}: ignored {} key(s) the model does not use: {}", dir, unexpected.size(),
                    summarize(unexpected));
        }
        return new LoadReport(loaded, List.of(), unexpected);
    }

    /**
     * @return each weight file with the keys it holds (from the index, or all keys of a single file), in order
     * @throws CheckpointException if the directory has no weights, or the index is malformed or names a missing shard
     */
    private static Map<Path, List<String>> plan(Path dir) {
        for (String candidate : CANDIDATES) {
            Path file = dir.resolve(candidate);
            if (!Files.isRegularFile(file)) {
                continue;
            }
            if (!candidate.endsWith(".index.json")) {
                try (StateDict weights = StateDict.open(file)) {
                    Map<Path, List<String>> single = new LinkedHashMap<>();
                    single.put(file, List.copyOf(weights.keys()));
                    return single;
                }
            }
            return readIndex(file);
        }
        throw new CheckpointException(dir + ": no LLaMA weights found: looked for " + CANDIDATES);
    }

    private static Map<Path, List<String>> readIndex(Path index) {
        JsonObject weightMap;
        try {
            if (Files.size(index) > MAX_INDEX_BYTES) {
                throw new CheckpointException(index + ": shard index larger than " + MAX_INDEX_BYTES + " bytes");
            }
            JsonElement root = JsonParser.parseString(Files.readString(index, StandardCharsets.UTF_8));
            JsonElement map = root.isJsonObject() ? root.getAsJsonObject().get("weight_map") : null;
            if (map == null || !map.isJsonObject()) {
                throw new CheckpointException(index + ": shard index has no \"weight_map\" object");
            }
            weightMap = map.getAsJsonObject();
        } catch (IOException | JsonParseException e) {
            throw new CheckpointException(index + ": unreadable shard index: " + e.getMessage(), e);
        }
        Path directory = index.toAbsolutePath().normalize().getParent();
        Map<Path, List<String>> plan = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> entry : weightMap.entrySet()) {
            JsonElement name = entry.getValue();
            if (!name.isJsonPrimitive() || !name.getAsJsonPrimitive().isString()) {
                throw new CheckpointException(index + ": weight_map entry for '" + entry.getKey() + "' is not a file name");
            }
            Path shard = directory.resolve(name.getAsString()).normalize();
            if (!directory.equals(shard.getParent())) {
                throw new CheckpointException(index + ": shard '" + name.getAsString() + "' for '" + entry.getKey()
                        + "' is not a file in the index's directory");
            }
            if (!Files.isRegularFile(shard)) {
                throw new CheckpointException(index + ": shard " + shard.getFileName() + " (holding '" + entry.getKey()
                        + "') is missing");
            }
            plan.computeIfAbsent(shard, s -> new ArrayList<>()).add(entry.getKey());
        }
        return plan;
    }

    /** Checks presence and shapes of every parameter and the stored inv_freq buffers, reading no weight data. */
    private static void checkAll(Map<Path, List<String>> plan, Map<String, Parameter> params, Map<String, Shape> shapes,
            LlamaRotaryEmbedding rotary, List<String> unexpected) {
        List<String> missing = new ArrayList<>(params.keySet());
        for (List<String> keys : plan.values()) {
            missing.removeAll(keys);
        }
        if (!missing.isEmpty()) {
            throw new CheckpointException("the checkpoint (" + String.join(", ", plan.keySet().stream()
                    .map(p -> p.getFileName().toString()).toList()) + ") lacks " + missing.size()
                    + " weight(s) the config asks for: " + summarize(missing));
        }
        float[] invFreq = rotary.inverseFrequencies();
        for (Map.Entry<Path, List<String>> shard : plan.entrySet()) {
            try (StateDict weights = StateDict.open(shard.getKey())) {
                for (String key : shard.getValue()) {
                    if (!weights.contains(key)) {
                        throw new CheckpointException(shard.getKey() + ": the index lists tensor '" + key
                                + "' in this shard but the shard lacks it");
                    }
                    if (!params.containsKey(key)) {
                        if (key.endsWith(INV_FREQ)) {
                            compareInvFreq(shard.getKey(), key, weights, invFreq);
                        }
                        unexpected.add(key);
                        continue;
                    }
                    TensorInfo info = weights.info(key);
                    if (!info.dtype().isFloating()) {
                        throw new CheckpointException(shard.getKey() + ": weight '" + key + "' is " + info.dtype()
                                + ", not a floating tensor");
                    }
                    if (!Arrays.equals(info.shape(), shapes.get(key).getShape())) {
                        throw new CheckpointException(shard.getKey() + ": weight '" + key + "' has shape "
                                + Arrays.toString(info.shape()) + " but config.json asks for " + shapes.get(key)
                                + " (" + configKeysOf(key) + " of config.json disagree with the weights)");
                    }
                }
            }
        }
    }

    /** @return the config keys that decide the shape of the weight {@code key} */
    private static String configKeysOf(String key) {
        if (key.endsWith("embed_tokens.weight") || key.equals("lm_head.weight")) {
            return "vocab_size or hidden_size";
        }
        if (key.contains(".mlp.")) {
            return "hidden_size or intermediate_size";
        }
        if (key.contains(".self_attn.")) {
            return "hidden_size, num_attention_heads or num_key_value_heads";
        }
        return "hidden_size";
    }

    private static void compareInvFreq(Path file, String key, StateDict weights, float[] computed) {
        TensorInfo info = weights.info(key);
        if (!info.dtype().isFloating() || info.numel() != computed.length) {
            LOG.warn("{}: '{}' is {} but the config's rotary embedding has {} frequencies; ignored", file, key, info,
                    computed.length);
            return;
        }
        float[] stored = weights.getFloats(key);
        for (int i = 0; i < stored.length; i++) {
            if (!(Math.abs(stored[i] - computed[i]) <= INV_FREQ_RELATIVE_TOLERANCE * Math.abs(computed[i]))) {
                LOG.warn("{}: '{}' [{}] = {} differs from {} computed from rope_theta; the stored buffer is ignored,"
                        + " as transformers ignores it (is rope_theta right?)", file, key, i, stored[i], computed[i]);
                return;
            }
        }
    }

    private static String summarize(List<String> names) {
        int shown = Math.min(names.size(), 20);
        String head = String.join(", ", names.subList(0, shown));
        return shown < names.size() ? head + ", ... (" + (names.size() - shown) + " more)" : head;
    }
}
