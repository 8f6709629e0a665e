package dev.seedj.llm.train;

import com.google.gson.JsonObject;
import dev.seedj.core.config.ConfigException;
import dev.seedj.core.config.ConfigValue;
import dev.seedj.core.train.TrainingConfig;
import dev.seedj.llm.LoraConfig;
import java.nio.file.Path;
import java.util.Set;

/**
 * What a LoRA fine-tuning run of an OPT or LLaMA model needs besides its data, as one JSON file:
 * <pre>
 * {
 *   "model": "models/seed-opt-2.7b",      // required: Hugging Face OPT or LLaMA folder
 *   "tokenizer": "models/seed-opt-2.7b",  // text examples only; default: the model folder
 *   "adapter": "runs/old/adapter",        // optional: continue from this PEFT adapter
 *   "lora": {                             // adapter_config.json fields; required without "adapter"
 *     "r": 16, "lora_alpha": 32,
 *     "target_modules": ["q_proj", "v_proj"],
 *     "modules_to_save": ["embed_tokens"]
 *   },
 *   "vocab_size": 58282,                  // optional (OPT only): resize the embeddings first
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
 * @param model the OPT or LLaMA folder
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
     * @param model the OPT or LLaMA folder
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
        return ConfigValue.readFile(file, LoraTrainingSpec::fromJson);
    }

    /**
     * @param json the JSON text
     * @return the spec
     * @throws ConfigException naming the bad field
     */
    public static LoraTrainingSpec parse(String json) {
        return fromJson(ConfigValue.parse(json));
    }

    private static LoraTrainingSpec fromJson(ConfigValue o) {
        o.rejectUnknownKeys(KEYS);
        LoraConfig lora = null;
        ConfigValue l = o.get("lora");
        if (l.isPresent()) {
            if (!l.isObject()) {
                throw l.error("must be an object of adapter_config.json fields");
            }
            JsonObject c = l.json().getAsJsonObject();
            if (!c.has("peft_type")) {
                c.addProperty("peft_type", "LORA");
            }
            if (!c.has("task_type")) {
                c.addProperty("task_type", "CAUSAL_LM");
            }
            try {
                lora = LoraConfig.parse(c.toString());
            } catch (ConfigException e) {
                throw new ConfigException(l.path() + e.path().substring(1), e.problem());
            }
        }
        ConfigValue t = o.get("training");
        if (!t.isObject()) {
            throw t.error("must be an object (a training config)");
        }
        try {
            return new LoraTrainingSpec(path(o.get("model")), path(o.get("tokenizer")), path(o.get("adapter")), lora,
                    o.get("vocab_size").asInt(0), o.get("init_seed").asLong(0), TrainingConfig.fromJson(t));
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw o.error(e.getMessage());
        }
    }

    private static Path path(ConfigValue v) {
        return v.isPresent() ? Path.of(v.asString()) : null;
    }
}
