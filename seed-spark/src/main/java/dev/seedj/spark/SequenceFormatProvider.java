package dev.seedj.spark;

import java.nio.file.Path;

/**
 * Loads the {@link SequenceFormat} of an LLM family, found with {@link java.util.ServiceLoader} (a
 * {@code META-INF/services/dev.seedj.spark.SequenceFormatProvider} entry) and chosen by the {@code model_type}
 * of the model's {@code config.json}. SEED-OPT ({@code opt}) is built in; this is how the LLaMA family plugs in.
 *
 * <p>Implementations must be stateless and thread-safe.
 */
public interface SequenceFormatProvider {
    /**
     * @param modelType the {@code model_type} of {@code config.json} (e.g. {@code opt}, {@code llama})
     * @return true if this provider builds that family's sequences
     */
    boolean supports(String modelType);

    /**
     * @param llmDir the language model's directory (tokenizer files, {@code config.json}, prompt templates)
     * @param numCodes the image codebook size
     * @return the format
     */
    SequenceFormat load(Path llmDir, int numCodes);
}
