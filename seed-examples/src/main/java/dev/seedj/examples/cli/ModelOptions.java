package dev.seedj.examples.cli;

import dev.seedj.multimodal.SeedLlamaFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code --model} ({@link TokenizerModelOption}), {@code --dtype} ({@link DtypeOption}), {@code --llm},
 * {@code --adapter} and {@code --template} options shared by the sub-commands, resolved against
 * {@link DefaultModels} when absent.
 *
 * <p>Not thread-safe (filled by picocli, read by one command).
 */
public final class ModelOptions {
    /** The language model's sub-directory in a model bundle such as {@code models/seed-mini}. */
    static final String BUNDLE_LLM_DIR = "llm";
    /** The adapter's sub-directory in a model bundle. */
    static final String BUNDLE_ADAPTER_DIR = "adapter";
    private static final String ADAPTER_CONFIG = "adapter_config.json";

    @Mixin
    TokenizerModelOption tokenizer;

    @Mixin
    DtypeOption dtype;

    @Option(names = "--llm", paramLabel = "DIR",
            description = "language model directory, SEED-OPT or SEED-LLaMA (Hugging Face config.json, whose model_type "
                    + "opt or llama picks the family, + weights + text tokenizer), or a bundle root such as "
                    + "models/seed-mini; default: $SEEDJ_LLM, then the bundled model")
    Path llm;

    @Option(names = "--template", paramLabel = "FORMAT",
            description = "SEED-LLaMA prompt format: 8b (USER: ... ASSISTANT:) or 14b ([INST] ... [/INST]); default: "
                    + "the model's seed_prompts.json, else 14b if its config.json has pretraining_tp > 1, else 8b")
    String template;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "PEFT LoRA adapter directory applied to the language model, or a bundle root such as "
                    + "models/seed-mini for its adapter/ (default: none)")
    Path adapter;

    /** @return the image tokenizer's directory */
    public Path tokenizerDir() {
        return tokenizer.tokenizerDir();
    }

    /** @return the {@code --dtype} option */
    public DtypeOption dtype() {
        return dtype;
    }

    /** @return the language model's directory: {@code --llm} (or a bundle root's {@code llm/}), else the default */
    public Path llmDir() {
        return DefaultModels.existing(llm).map(dir -> inBundle(dir, BUNDLE_LLM_DIR, "config.json"))
                .orElseGet(() -> DefaultModels.ofProcess().llm());
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

    /**
     * @return the adapter directory ({@code --adapter}, or a bundle root's {@code adapter/}), if one was given
     * @throws CliException if it holds no {@code adapter_config.json}
     */
    public Optional<Path> adapterDir() {
        if (adapter == null) {
            return Optional.empty();
        }
        Path dir = inBundle(adapter, BUNDLE_ADAPTER_DIR, ADAPTER_CONFIG);
        if (!Files.isRegularFile(dir.resolve(ADAPTER_CONFIG))) {
            throw new CliException("adapter directory " + adapter + " has no " + ADAPTER_CONFIG);
        }
        return Optional.of(dir);
    }

    /** A model bundle root such as {@code models/seed-mini} stands for its part's sub-directory. */
    private static Path inBundle(Path dir, String part, String marker) {
        Path inside = dir.resolve(part);
        return !Files.isRegularFile(dir.resolve(marker)) && Files.isRegularFile(inside.resolve(marker)) ? inside : dir;
    }
}
