package dev.seedj.examples.cli;

import ai.djl.Device;
import dev.seedj.core.config.ConfigException;
import dev.seedj.llm.LlmDtype;
import dev.seedj.llm.PromptTemplates;
import dev.seedj.llm.llama.LlamaLoadOptions;
import dev.seedj.llm.text.TextTokenizer;
import dev.seedj.multimodal.LanguageModelFamily;
import dev.seedj.multimodal.SeedLlama;
import dev.seedj.multimodal.SeedLlamaFormat;
import dev.seedj.multimodal.SeedMultimodalModel;
import dev.seedj.multimodal.SeedOpt;
import dev.seedj.tokenizer.SeedTokenizer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The image tokenizer and the multimodal language model opened together for {@code caption}, {@code ask} and
 * {@code imagine}, from the {@code --model}, {@code --llm}, {@code --adapter} and {@code --template} options (or
 * their defaults). The language model's family comes from its {@code config.json}: {@code model_type} opt opens
 * SEED-OPT, llama opens SEED-LLaMA (with the prompt format of {@code --template}, else
 * the one {@link SeedLlama#templates(Path)} finds), each with the adapter, if any.
 *
 * <p>Thread-safe as its two models are; closes both.
 */
final class MultimodalModels implements AutoCloseable {
    private final SeedTokenizer tokenizer;
    private final SeedMultimodalModel model;

    private MultimodalModels(SeedTokenizer tokenizer, SeedMultimodalModel model) {
        this.tokenizer = tokenizer;
        this.model = model;
    }

    /**
     * @param options the model options
     * @return both models, loaded
     * @throws CliException if a directory is missing, the language model has no text tokenizer or is of an unknown
     *     family, or an option does not apply to its family
     */
    static MultimodalModels open(ModelOptions options) {
        Path tokenizerDir = options.tokenizerDir();
        Path llmDir = options.llmDir();
        Path adapterDir = options.adapterDir().orElse(null);
        Optional<SeedLlamaFormat> format = options.llamaFormat();
        if (!TextTokenizer.isPresent(llmDir)) {
            throw new CliException("the language model in " + llmDir
                    + " has no text tokenizer (tokenizer.model, tokenizer.json, or vocab.json + merges.txt)");
        }
        LanguageModelFamily family;
        try {
            family = LanguageModelFamily.detect(llmDir);
        } catch (ConfigException e) {
            throw new CliException("cannot tell the family of the language model: " + e.getMessage(), e);
        }
        if (family == LanguageModelFamily.OPT && format.isPresent()) {
            throw new CliException("--template is a SEED-LLaMA prompt format but " + llmDir + " is an OPT model");
        }
        Optional<LlmDtype> llmDtype = options.dtype().languageModelType();
        if (family == LanguageModelFamily.OPT && llmDtype.filter(t -> t != LlmDtype.FLOAT32).isPresent()) {
            throw new CliException("--dtype " + llmDtype.get().name().toLowerCase(Locale.ROOT)
                    + " for the language model applies to SEED-LLaMA on the command line; SEED-OPT computes in"
                    + " float32 here (OptModel.load(dir, device, LlmDtype) in the API)");
        }
        SeedTokenizer tokenizer = options.dtype().tokenizerType()
                .map(type -> SeedTokenizer.load(tokenizerDir, Device.cpu(), type))
                .orElseGet(() -> SeedTokenizer.load(tokenizerDir));
        try {
            SeedMultimodalModel model = switch (family) {
                case OPT -> SeedOpt.load(llmDir, adapterDir, tokenizer);
                case LLAMA -> {
                    PromptTemplates templates = format.map(SeedLlamaFormat::templates)
                            .orElseGet(() -> SeedLlama.templates(llmDir));
                    yield SeedLlama.load(llmDir, adapterDir, tokenizer, templates,
                            LlamaLoadOptions.defaults().withDtype(llmDtype.orElse(LlmDtype.FLOAT32)));
                }
            };
            return new MultimodalModels(tokenizer, model);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** @return the image tokenizer */
    SeedTokenizer tokenizer() {
        return tokenizer;
    }

    /** @return SEED-OPT or SEED-LLaMA, reading and writing the tokenizer's codes */
    SeedMultimodalModel model() {
        return model;
    }

    @Override
    public void close() {
        try {
            model.close();
        } finally {
            tokenizer.close();
        }
    }
}
