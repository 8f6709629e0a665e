package dev.seedj.examples.cli;

import dev.seedj.multimodal.SeedLlamaFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code --model} ({@link TokenizerModelOption}), {@code --llm}, {@code --adapter} and {@code --template} options
 * shared by the sub-commands, resolved against {@link DefaultModels} when absent.
 *
 * <p>Not thread-safe (filled by picocli, read by one command).
 */
public final class ModelOptions {
    @Mixin
    TokenizerModelOption tokenizer;

    @Option(names = "--llm", paramLabel = "DIR",
            description = "language model directory, SEED-OPT or SEED-LLaMA (Hugging Face config.json, whose model_type "
                    + "opt or llama picks the family, + weights + text tokenizer); default: $SEEDJ_LLM, then the "
                    + "bundled model")
    Path llm;

    @Option(names = "--template", paramLabel = "FORMAT",
            description = "SEED-LLaMA prompt format: 8b (USER: ... ASSISTANT:) or 14b ([INST] ... [/INST]); default: "
                    + "the model's seed_prompts.json, else 14b if its config.json has pretraining_tp > 1, else 8b")
    String template;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "PEFT LoRA adapter directory applied to the language model (default: none)")
    Path adapter;

    /** @return the image tokenizer's directory */
    public Path tokenizerDir() {
        return tokenizer.tokenizerDir();
    }

    /** @return the language model's directory */
    public Path llmDir() {
        return DefaultModels.existing(llm).orElseGet(() -> DefaultModels.ofProcess().llm());
    }

    /**
     * @return the SEED-LLaMA prompt format given with {@code --template}, if any
     * @throws CliException for an unknown format name
     */
    public Optional<SeedLlamaFormat> llamaFormat() {
        if (template == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(SeedLlamaFormat.fromName(template));
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), e);
        }
    }

    /** @return the adapter directory, if one was given */
    public Optional<Path> adapterDir() {
        if (adapter != null && !Files.isRegularFile(adapter.resolve("adapter_config.json"))) {
            throw new CliException("adapter directory " + adapter + " has no adapter_config.json");
        }
        return Optional.ofNullable(adapter);
    }
}
