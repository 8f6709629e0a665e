package dev.seedj.spark;

import dev.seedj.llm.PromptTemplates;
import dev.seedj.llm.Vocabulary;
import dev.seedj.llm.text.TextTokenizer;

/**
 * What an LLM family contributes to its image-text training sequences: its text tokenizer, the ids of its BOS
 * and EOS tokens, where the SEED image tokens sit in its vocabulary, and its prompt templates.
 * {@link ImageTextSequences} builds the sequences from these, the same way for every family; SEED-OPT is
 * {@link OptSequenceFormat}, other families plug in through {@link SequenceFormatProvider}.
 *
 * <p>Implementations must be thread-safe: one instance serves every task of an executor JVM.
 */
public interface SequenceFormat extends AutoCloseable {
    /**
     * @param text plain text
     * @return its token ids, with no special token added
     */
    long[] encodeText(String text);

    /** @return the id every sequence starts with */
    long bosId();

    /** @return the text tokenizer, which builds prompts with image tokens by id */
    TextTokenizer tokenizer();

    /** @return the id that ends a target */
    long eosId();

    /** @return the image tokens' ids */
    Vocabulary vocabulary();

    /** @return the prompts the model is trained and prompted with */
    PromptTemplates templates();

    /** Releases native resources (e.g. the text tokenizer). */
    @Override
    void close();
}
