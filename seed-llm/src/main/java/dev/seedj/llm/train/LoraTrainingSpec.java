package dev.seedj.llm.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.seedj.core.train.TrainingConfig;
import dev.seedj.llm.LoraConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a LoRA fine-tuning run of an OPT model needs besides its data, as one JSON file:
 * <pre>
 * {
 *   "model": "models/seed-opt-2.7b",      // required: Hugging Face OPT folder (config.json + weights)
 *   "tokenizer": "models/seed-opt-2.7b",  // text examples only; default: the model folder
 *   "adapter": "runs/old/adapter",        // optional: continue from this PEFT adapter
 *   "lora": {                             // adapter_config.json fields; required without "adapter"
 *     "r": 16, "lora_alpha": 32,
 *     "target_modules": ["q_proj", "v_proj"],
 *     "modules_to_save": ["embed_tokens"]
 *   },
 *   "vocab_size": 58282,                  // optional: resize the embeddings first (new image tokens)
 *   "init_seed": 0,                       // seeds the lora_A initialisation, default 0
 *   "training": { ... }                   // required: a TrainingConfig (learning_rate, total_steps, ...)
 * }
 * </pre>
 * With both {@code adapter} and {@code lora}, the {@code lora} config decides what is trained and the adapter's
 * tensors are the starting values where it has them. {@code vocab_size} resizes the base model's embeddings before
 * training ({@code OptModel.resizeTokenEmbeddings}: new rows start as the mean row), for a base model whose
 * vocabulary lacks the image tokens; list {@code embed_tokens} in {@code modules_to_save} to train the new rows, and
 * resize the base model the same way before applying the trained adapter. Relative paths are resolved against the
 * working directory.
 * Unknown keys are rejected.
 *
 * <p>Immutable and thread-safe.
 *
 * @param model the OPT folder
 * @param tokenizer the tokenizer folder
 * @param adapter the adapter to continue from, or null
 * @param lora the adapter config to train, or null to take the starting adapter's
 * @param vocabSize the vocabulary size to resize the base model to, or 0 to keep its own
 * @param initSeed seeds the fresh {@code lora_A} matrices
 * @param training the optimisation settings
 */
public record LoraTrainingSpec(Path model, Path tokenizer, Path adapter, LoraConfig lora, int vocabSize,
        long initSeed, TrainingConfig training) {

    private static final Set<String> KEYS = Set.of("model", "tokenizer", "adapter", "lora", "vocab_size", "init_seed",
            "training");

    /**
     * Checks that the model, the training settings and an adapter config or a starting adapter are given.
     *
     * @param model the OPT folder
     * @param tokenizer the tokenizer folder
     * @param adapter the adapter to continue from, or null
     * @param lora the adapter config to train, or null to take the starting adapter's
     * @param vocabSize the vocabulary size to resize the base model to, or 0 to keep its own
     * @param initSeed seeds the fresh {@code lora_A} matrices
     * @param training the optimisation settings
     */
    public LoraTrainingSpec {
        if (model == null) {
            throw new IllegalArgumentException("LoRA training spec: \"model\" is required");
        }
        if (training == null) {
            throw new IllegalArgumentException("LoRA training spec: \"training\" is required");
        }
        if (adapter == null && lora == null) {
            throw new IllegalArgumentException("LoRA training spec: give \"lora\" (a new adapter) or \"adapter\""
                    + " (a PEFT adapter folder to continue from)");
        }
        if (vocabSize < 0) {
            throw new IllegalArgumentException("LoRA training spec: \"vocab_size\" must be positive, got " + vocabSize);
        }
        if (tokenizer == null) {
            tokenizer = model;
        }
    }

    /**
     * @param file the JSON file
     * @return the spec
     * @throws IllegalArgumentException naming the unreadable file or the bad field
     */
    public static LoraTrainingSpec load(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read LoRA training spec " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param json the JSON text
     * @return the spec
     * @throws IllegalArgumentException naming the bad field
     */
    public static LoraTrainingSpec parse(String json) {
        JsonObject o;
        try {
            JsonElement root = JsonParser.parseString(json);
            if (!root.isJsonObject()) {
                throw new IllegalArgumentException("LoRA training spec must be a JSON object");
            }
            o = root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("LoRA training spec is not valid JSON: " + e.getMessage(), e);
        }
        Set<String> unknown = new TreeSet<>(o.keySet());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("LoRA training spec has unknown key(s) " + unknown + "; known keys: "
                    + new TreeSet<>(KEYS));
        }
        LoraConfig lora = null;
        JsonElement l = o.get("lora");
        if (l != null && !l.isJsonNull()) {
            if (!l.isJsonObject()) {
                throw new IllegalArgumentException("LoRA training spec: \"lora\" must be an object of"
                        + " adapter_config.json fields");
            }
            JsonObject c = l.getAsJsonObject().deepCopy();
            if (!c.has("peft_type")) {
                c.addProperty("peft_type", "LORA");
            }
            if (!c.has("task_type")) {
                c.addProperty("task_type", "CAUSAL_LM");
            }
            lora = LoraConfig.parse(c.toString());
        }
        JsonElement t = o.get("training");
        if (t == null || !t.isJsonObject()) {
            throw new IllegalArgumentException(
                    "LoRA training spec: \"training\" must be an object (a training config)");
        }
        return new LoraTrainingSpec(path(o, "model"), path(o, "tokenizer"), path(o, "adapter"), lora,
                Math.toIntExact(integer(o, "vocab_size")), integer(o, "init_seed"),
                TrainingConfig.fromJson(t.getAsJsonObject()));
    }

    private static long integer(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return 0;
        }
        try {
            return e.getAsBigDecimal().longValueExact();
        } catch (ArithmeticException | NumberFormatException | UnsupportedOperationException
                | IllegalStateException ex) {
            throw new IllegalArgumentException("LoRA training spec: \"" + key + "\" must be an integer, got " + e, ex);
        }
    }

    private static Path path(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("LoRA training spec: \"" + key + "\" must be a path string, got " + e);
        }
        return Path.of(e.getAsString());
    }
}
