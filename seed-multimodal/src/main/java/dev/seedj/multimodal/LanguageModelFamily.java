package dev.seedj.multimodal;

import dev.seedj.core.config.ConfigValue;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The language-model families SEED pairs with its image tokenizer, told apart by the {@code model_type} of a
 * Hugging Face {@code config.json}: {@code opt} (SEED-OPT) and {@code llama} (SEED-LLaMA 8B and 14B).
 *
 * <p>Immutable and thread-safe.
 */
public enum LanguageModelFamily {
    /** OPT ({@code model_type: "opt"}): {@link SeedOpt}. */
    OPT("opt"),
    /** LLaMA ({@code model_type: "llama"}): {@link SeedLlama}. */
    LLAMA("llama");

    private final String modelType;

    LanguageModelFamily(String modelType) {
        this.modelType = modelType;
    }

    /** @return the {@code model_type} of the family's {@code config.json} */
    public String modelType() {
        return modelType;
    }

    /**
     * Reads the family of a model directory.
     *
     * @param llmDir a Hugging Face model directory
     * @return the family its {@code config.json} names
     * @throws dev.seedj.core.config.ConfigException naming the file if {@code config.json} is missing, is not
     *     JSON, lacks {@code model_type} or names a family SEED-J does not run (listing the ones it does)
     */
    public static LanguageModelFamily detect(Path llmDir) {
        return ConfigValue.readFile(llmDir.resolve("config.json"), root -> {
            ConfigValue type = root.get("model_type");
            String name = type.asString();
            for (LanguageModelFamily f : values()) {
                if (f.modelType.equals(name.toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
            throw type.error("'" + name + "' is not a language-model family SEED-J runs; supported: "
                    + Arrays.stream(values()).map(LanguageModelFamily::modelType).toList());
        });
    }
}
