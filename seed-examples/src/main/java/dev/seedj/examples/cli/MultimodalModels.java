package dev.seedj.examples.cli;

import ai.djl.Device;
import dev.seedj.llm.text.TextTokenizer;
import dev.seedj.multimodal.SeedOpt;
import dev.seedj.tokenizer.SeedTokenizer;
import java.nio.file.Path;

/**
 * The image tokenizer and SEED-OPT opened together for {@code caption}, {@code ask} and {@code imagine},
 * from the {@code --model}, {@code --llm} and {@code --adapter} options (or their defaults).
 *
 * <p>Thread-safe as its two models are; closes both.
 */
final class MultimodalModels implements AutoCloseable {
    private final SeedTokenizer tokenizer;
    private final SeedOpt seedOpt;

    private MultimodalModels(SeedTokenizer tokenizer, SeedOpt seedOpt) {
        this.tokenizer = tokenizer;
        this.seedOpt = seedOpt;
    }

    /**
     * @param options the model options
     * @return both models, loaded
     * @throws CliException if a directory is missing or the language model has no text tokenizer
     */
    static MultimodalModels open(ModelOptions options) {
        Path tokenizerDir = options.tokenizerDir();
        Path llmDir = options.llmDir();
        Path adapterDir = options.adapterDir().orElse(null);
        boolean hasTextTokenizer = TextTokenizer.isPresent(llmDir);
        if (!hasTextTokenizer) {
            throw new CliException("the language model in " + llmDir
                    + " has no text tokenizer (tokenizer.model, tokenizer.json, or vocab.json + merges.txt)");
        }
        SeedTokenizer tokenizer = options.dtype().tokenizerType()
                .map(type -> SeedTokenizer.load(tokenizerDir, Device.cpu(), type))
                .orElseGet(() -> SeedTokenizer.load(tokenizerDir));
        try {
            return new MultimodalModels(tokenizer, SeedOpt.load(llmDir, adapterDir, tokenizer));
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** @return the image tokenizer */
    SeedTokenizer tokenizer() {
        return tokenizer;
    }

    /** @return SEED-OPT, reading and writing the tokenizer's codes */
    SeedOpt seedOpt() {
        return seedOpt;
    }

    @Override
    public void close() {
        try {
            seedOpt.close();
        } finally {
            tokenizer.close();
        }
    }
}
