package dev.seedj.spark;

import dev.seedj.llm.OptConfig;
import dev.seedj.llm.PromptTemplates;
import dev.seedj.llm.Vocabulary;
import dev.seedj.llm.text.TextTokenizer;
import java.nio.file.Path;

/**
 * SEED-OPT's sequences: OPT's byte-level BPE {@link TextTokenizer} with the image tokens, BOS and EOS from
 * {@code config.json}, the prompt templates of {@code seed_prompts.json}: exactly what {@code SeedOpt} loads.
 *
 * <p>Thread-safe (the text tokenizer is).
 */
public final class OptSequenceFormat implements SequenceFormat {
    private final TextTokenizer text;
    private final long eosId;
    private final PromptTemplates templates;

    private OptSequenceFormat(TextTokenizer text, long eosId, PromptTemplates templates) {
        this.text = text;
        this.eosId = eosId;
        this.templates = templates;
    }

    /**
     * @param llmDir an OPT directory: {@code config.json}, {@code tokenizer.json} or {@code vocab.json} +
     *     {@code merges.txt}, optionally {@value PromptTemplates#FILE_NAME}
     * @param numCodes the image codebook size
     * @return the format
     */
    public static OptSequenceFormat load(Path llmDir, int numCodes) {
        OptConfig config = OptConfig.load(llmDir.resolve("config.json"));
        return new OptSequenceFormat(TextTokenizer.load(llmDir, numCodes), config.eosTokenId(),
                PromptTemplates.load(llmDir));
    }

    @Override
    public long[] encodeText(String s) {
        return text.encode(s);
    }

    @Override
    public long bosId() {
        return text.bosId();
    }

    @Override
    public TextTokenizer tokenizer() {
        return text;
    }

    @Override
    public long eosId() {
        return eosId;
    }

    @Override
    public Vocabulary vocabulary() {
        return text.imageVocabulary();
    }

    @Override
    public PromptTemplates templates() {
        return templates;
    }

    @Override
    public void close() {
        text.close();
    }

    /** Finds {@link OptSequenceFormat} for {@code model_type} {@code opt}. Stateless and thread-safe. */
    public static final class Provider implements SequenceFormatProvider {
        /** Created by {@link java.util.ServiceLoader}. */
        public Provider() {}

        @Override
        public boolean supports(String modelType) {
            return "opt".equals(modelType);
        }

        @Override
        public SequenceFormat load(Path llmDir, int numCodes) {
            return OptSequenceFormat.load(llmDir, numCodes);
        }
    }
}
