package dev.seedj.examples.cli;

import dev.seedj.tokenizer.SeedTokenizer;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --model} option of the commands that use the image tokenizer only ({@code tokenize},
 * {@code detokenize}), resolved against {@link DefaultModels} when absent. A model bundle root such as
 * {@code models/seed-mini} is accepted for its {@code tokenizer/} directory.
 *
 * <p>Not thread-safe (filled by picocli, read by one command).
 */
public final class TokenizerModelOption {
    @Option(names = "--model", paramLabel = "DIR",
            description = "image tokenizer directory (seed-tokenizer.json + weights) or a bundle root such as "
                    + "models/seed-mini; default: $SEEDJ_MODEL, then the bundled model")
    Path model;

    /**
     * @return the image tokenizer's directory
     * @throws CliException if the directory does not exist or holds no tokenizer
     */
    public Path tokenizerDir() {
        Path dir = DefaultModels.existing(model).orElseGet(() -> DefaultModels.ofProcess().tokenizer());
        try {
            return SeedTokenizer.modelDirectory(dir);
        } catch (UncheckedIOException e) {
            throw new CliException(e.getMessage(), e);
        }
    }
}
