package dev.seedj.multimodal;

import dev.seedj.llm.PromptTemplates;
import dev.seedj.llm.llama.LlamaConfig;
import java.util.Arrays;
import java.util.Locale;

/**
 * The prompt formats of the two released SEED-LLaMA models, as SEED's {@code scripts/seed_llama_inference_8B.py}
 * and {@code ..._14B.py} write them ({@link PromptTemplates#seedLlama8b()}, {@link PromptTemplates#seedLlama14b()}).
 *
 * <p>Immutable and thread-safe.
 */
public enum SeedLlamaFormat {
    /** SEED-LLaMA 8B, Vicuna-7B based: {@code <s>USER: <img>...</img>question\nASSISTANT:}. */
    SEED_LLAMA_8B("8b"),
    /** SEED-LLaMA 14B, LLaMA2-chat-13B based: {@code <s>[INST] <img>...</img>question [/INST]\n}. */
    SEED_LLAMA_14B("14b");

    private final String shortName;

    SeedLlamaFormat(String shortName) {
        this.shortName = shortName;
    }

    /** @return the name on the command line, {@code 8b} or {@code 14b} */
    public String shortName() {
        return shortName;
    }

    /** @return the prompt templates of this format */
    public PromptTemplates templates() {
        return this == SEED_LLAMA_8B ? PromptTemplates.seedLlama8b() : PromptTemplates.seedLlama14b();
    }

    /**
     * The format of a model from its architecture: SEED-LLaMA 14B's {@code config.json} has
     * {@code pretraining_tp: 2} (it comes from LLaMA-2's training), the 8B's (from Vicuna-7B) has none, i.e. 1.
     * A model that follows neither rule picks its format by name ({@link #fromName}) or with a
     * {@value PromptTemplates#FILE_NAME}.
     *
     * @param config the model's architecture
     * @return {@link #SEED_LLAMA_14B} if {@code pretraining_tp} is above 1, else {@link #SEED_LLAMA_8B}
     */
    public static SeedLlamaFormat detect(LlamaConfig config) {
        return config.pretrainingTp() > 1 ? SEED_LLAMA_14B : SEED_LLAMA_8B;
    }

    /**
     * @param name {@code 8b} or {@code 14b} (any case)
     * @return the format
     * @throws IllegalArgumentException for another name, listing the known ones
     */
    public static SeedLlamaFormat fromName(String name) {
        for (SeedLlamaFormat f : values()) {
            if (f.shortName.equals(name.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown SEED-LLaMA prompt format '" + name + "'; known: "
                + Arrays.stream(values()).map(SeedLlamaFormat::shortName).toList());
    }
}
