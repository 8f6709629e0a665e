package dev.seedj.llm.train;

import ai.djl.nn.Parameter;
import dev.seedj.core.config.ConfigValue;
import dev.seedj.core.train.BatchIterator;
import dev.seedj.core.train.LossTerms;
import dev.seedj.core.train.TrainableParameter;
import dev.seedj.core.train.TrainingConfig;
import dev.seedj.core.train.TrainingLog;
import dev.seedj.core.train.TrainingLoop;
import dev.seedj.llm.AdaptableLanguageModel;
import dev.seedj.llm.LoraAdapter;
import dev.seedj.llm.LoraConfig;
import dev.seedj.llm.OptModel;
import dev.seedj.llm.llama.LlamaModel;
import dev.seedj.llm.text.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry points for LoRA fine-tuning of an OPT (SEED-OPT) or LLaMA (SEED-LLaMA) language model on multimodal
 * sequences, for the command-line tool and for programs; the spec's model folder decides which
 * ({@code "model_type": "llama"} in its {@code config.json}, else OPT). The base weights stay frozen; the LoRA
 * factors of the targeted projections and the copies of the {@code modules_to_save} modules (e.g.
 * {@code embed_tokens}, whose image-token rows are new) are trained with the causal-LM loss on the target span ({@link CausalLmLoss}), by
 * {@link TrainingLoop} with AdamW. As Hugging Face's Trainer, weight decay applies to every trained matrix but
 * not to biases and LayerNorm weights. With tied embeddings, a saved {@code embed_tokens} copy serves the input
 * embeddings only and {@code lm_head} keeps the frozen base matrix (PEFT's default).
 *
 * <p>The output folder receives what {@link TrainingLoop} writes (checkpoints of the trained tensors and the
 * optimizer every {@code checkpoint_every} steps, {@code train_log.jsonl/.csv}, {@code loss.png}); a run resumes
 * automatically from the newest checkpoint there. At the end the adapter is saved in PEFT's layout
 * ({@code adapter_config.json} + {@code adapter_model.safetensors}), loadable by {@link LoraAdapter#load} and by
 * Python PEFT.
 *
 * <p>Stateless and thread-safe; each call trains on its calling thread.
 */
public final class LoraTraining {
    private static final Logger LOG = LoggerFactory.getLogger(LoraTraining.class);
    /** The adapter folder's name inside the output folder when no other is given. */
    public static final String ADAPTER_DIR = "adapter";
    /** The name under which the loss is logged. */
    public static final String LOSS = "lm";

    private LoraTraining() {}

    /**
     * Trains as a spec file describes, on a JSONL dataset ({@link LmDataset}).
     *
     * @param spec the run
     * @param dataset the JSONL file
     * @param adapterOut where the trained adapter goes, or null for {@code <output_dir>/adapter}
     * @return the folder the adapter was written to
     * @throws IllegalArgumentException for a bad spec, dataset or adapter (naming the problem)
     */
    public static Path train(LoraTrainingSpec spec, Path dataset, Path adapterOut) {
        Path out = adapterOut != null ? adapterOut : spec.training().outputDir().resolve(ADAPTER_DIR);
        int embeddingRows = spec.vocabSize() > 0 ? spec.vocabSize() : configVocabSize(spec.model());
        try (TextTokenizer tokenizer = TextTokenizer.isPresent(spec.tokenizer())
                        ? TextTokenizer.forModel(spec.tokenizer(), embeddingRows) : null;
                LoraAdapter start = spec.adapter() == null ? null : LoraAdapter.load(spec.adapter())) {
            if (isLlama(spec.model())) {
                try (LlamaModel base = LlamaModel.load(spec.model())) {
                    if (spec.vocabSize() > 0 && spec.vocabSize() != base.vocabSize()) {
                        throw new IllegalArgumentException("LoRA training spec: \"vocab_size\" " + spec.vocabSize()
                                + " differs from the LLaMA model's " + base.vocabSize()
                                + ": resizing the embeddings is supported for OPT models only");
                    }
                    trainAndSave(base, spec, dataset, tokenizer, start, out);
                }
            } else {
                try (OptModel base = OptModel.load(spec.model())) {
                    if (spec.vocabSize() > 0) {
                        base.resizeTokenEmbeddings(spec.vocabSize());
                    }
                    trainAndSave(base, spec, dataset, tokenizer, start, out);
                }
            }
        }
        LOG.info("saved the trained adapter to {}", out);
        return out;
    }

    private static <M extends AdaptableLanguageModel<M>> void trainAndSave(M base, LoraTrainingSpec spec, Path dataset,
            TextTokenizer tokenizer, LoraAdapter start, Path out) {
        List<LmExample> examples = LmDataset.read(dataset, tokenizer, base.eosTokenId(), base.maxPositions());
        LOG.info("{} training examples from {}", examples.size(), dataset);
        LoraConfig config = spec.lora() != null ? spec.lora() : start.config();
        try (M model = adapted(base, config, start, spec.initSeed())) {
            train(model, examples, spec.training());
            try (LoraAdapter trained = model.adapter()) {
                trained.save(out);
            }
        }
    }

    /** @return the model folder's {@code config.json} {@code vocab_size}: the rows of its token embedding */
    private static int configVocabSize(Path modelDir) {
        return ConfigValue.readFile(modelDir.resolve("config.json"), v -> v.get("vocab_size").asInt());
    }

    /** @return whether the model folder's {@code config.json} says {@code "model_type": "llama"} (else OPT) */
    private static boolean isLlama(Path modelDir) {
        Path config = modelDir.resolve("config.json");
        return Files.isRegularFile(config)
                && "llama".equals(ConfigValue.readFile(config, v -> v.get("model_type").asString("")));
    }

    /**
     * The base model with a starting adapter applied ({@link AdapterInit}), ready for
     * {@link #train(AdaptableLanguageModel, List, TrainingConfig)}.
     *
     * @param base the frozen model (OPT or LLaMA, float32)
     * @param config what to train
     * @param start tensors to start from, or null
     * @param initSeed seeds fresh {@code lora_A} matrices
     * @param <M> the model type
     * @return the adapted model (closed with, or before, {@code base})
     */
    public static <M extends AdaptableLanguageModel<M>> M adapted(M base, LoraConfig config, LoraAdapter start,
            long initSeed) {
        try (LoraAdapter initial = AdapterInit.initial(base, config, start, initSeed)) {
            return base.withAdapter(initial);
        }
    }

    /**
     * Trains an adapted model's adapter in place; {@link AdaptableLanguageModel#adapter()} then returns the trained
     * adapter.
     *
     * @param model a model with an adapter ({@link #adapted})
     * @param examples the training set (shuffled per epoch with the config's seed)
     * @param config the optimisation settings; its {@code batch_size} is at most the number of examples
     * @return the log of the run
     * @throws IllegalArgumentException if the model has no adapter
     */
    public static TrainingLog train(AdaptableLanguageModel<?> model, List<LmExample> examples, TrainingConfig config) {
        Map<String, Parameter> trainable = model.adapterParameters();
        if (trainable.isEmpty()) {
            throw new IllegalArgumentException("the model has no adapter to train: apply one with adapted(...)");
        }
        long pad = model.padTokenId();
        BatchIterator<LmExample> batches = new BatchIterator<>(examples.size(), examples::get, config.batchSize(),
                config.seed(), true);
        try (TrainingLoop<List<LmExample>> loop = TrainingLoop.<List<LmExample>>builder(config)
                .parameters(decayGroups(trainable))
                .data(batches)
                .step((batch, manager) -> new LossTerms().add(LOSS,
                        CausalLmLoss.compute(model, LmBatch.collate(batch, pad), manager)))
                .build()) {
            loop.resumeLatest();
            return loop.run();
        }
    }

    /** Hugging Face Trainer's groups: no weight decay for biases and LayerNorm weights, decay for the rest. */
    static List<TrainableParameter> decayGroups(Map<String, Parameter> trainable) {
        List<TrainableParameter> out = new ArrayList<>();
        trainable.forEach((name, p) -> out.add(new TrainableParameter(name, p,
                !name.endsWith(".bias") && !name.contains("layer_norm"))));
        return out;
    }

}
