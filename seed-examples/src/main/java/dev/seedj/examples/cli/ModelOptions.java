package dev.seedj.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code --model} ({@link TokenizerModelOption}), {@code --dtype} ({@link DtypeOption}), {@code --llm} and
 * {@code --adapter} options shared by the sub-commands, resolved against {@link DefaultModels} when absent.
 *
 * <p>Not thread-safe (filled by picocli, read by one command).
 */
public final class ModelOptions {
    @Mixin
    TokenizerModelOption tokenizer;

    @Mixin
    DtypeOption dtype;

    @Option(names = "--llm", paramLabel = "DIR",
            description = "SEED-OPT directory (Hugging Face config.json + weights + tokenizer.json); default: "
                    + "$SEEDJ_LLM, then the bundled model")
    Path llm;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "PEFT LoRA adapter directory applied to the language model (default: none)")
    Path adapter;

    /** @return the image tokenizer's directory */
    public Path tokenizerDir() {
        return tokenizer.tokenizerDir();
    }

    /** @return the {@code --dtype} option */
    public DtypeOption dtype() {
        return dtype;
    }

    /** @return the language model's directory */
    public Path llmDir() {
        return DefaultModels.existing(llm).orElseGet(() -> DefaultModels.ofProcess().llm());
    }

    /** @return the adapter directory, if one was given */
    public Optional<Path> adapterDir() {
        if (adapter != null && !Files.isRegularFile(adapter.resolve("adapter_config.json"))) {
            throw new CliException("adapter directory " + adapter + " has no adapter_config.json");
        }
        return Optional.ofNullable(adapter);
    }
}
