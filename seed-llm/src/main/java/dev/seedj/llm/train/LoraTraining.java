package dev.seedj.llm.train;

import ai.djl.nn.Parameter;
import dev.seedj.core.train.BatchIterator;
import dev.seedj.core.train.LossTerms;
import dev.seedj.core.train.TrainableParameter;
import dev.seedj.core.train.TrainingConfig;
import dev.seedj.core.train.TrainingLog;
import dev.seedj.core.train.TrainingLoop;
import dev.seedj.llm.LoraAdapter;
import dev.seedj.llm.LoraConfig;
import dev.seedj.llm.OptModel;
import dev.seedj.llm.text.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry points for LoRA fine-tuning of an OPT language model (SEED-OPT) on multimodal sequences, for the
 * command-line tool and for programs. The base weights stay frozen; the LoRA factors of the targeted projections
 * and the copies of the {@code modules_to_save} modules (e.g. {@code embed_tokens}, whose image-token rows are
 * new) are trained with the causal-LM loss on the target span ({@link CausalLmLoss}), by
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
        try (OptModel base = OptModel.load(spec.model());
                TextTokenizer tokenizer = TextTokenizer.isPresent(spec.tokenizer()) ? TextTokenizer.forModel(
                        spec.tokenizer(), spec.vocabSize() > 0 ? spec.vocabSize() : base.config().vocabSize()) : null;
                LoraAdapter start = spec.adapter() == null ? null : LoraAdapter.load(spec.adapter())) {
            if (spec.vocabSize() > 0) {
                base.resizeTokenEmbeddings(spec.vocabSize());
            }
            List<LmExample> examples = LmDataset.read(dataset, tokenizer, base.config().eosTokenId(),
                    base.config().maxPositions());
            LOG.info("{} training examples from {}", examples.size(), dataset);
            LoraConfig config = spec.lora() != null ? spec.lora() : start.config();
            try (OptModel model = adapted(base, config, start, spec.initSeed())) {
                train(model, examples, spec.training());
                try (LoraAdapter trained = model.adapter()) {
                    trained.save(out);
                }
            }
        }
        LOG.info("saved the trained adapter to {}", out);
        return out;
    }

    /**
     * The base model with a starting adapter applied ({@link AdapterInit}), ready for {@link #train(OptModel, List,
     * TrainingConfig)}.
     *
     * @param base the frozen model
     * @param config what to train
     * @param start tensors to start from, or null
     * @param initSeed seeds fresh {@code lora_A} matrices
     * @return the adapted model (closed with, or before, {@code base})
     */
    public static OptModel adapted(OptModel base, LoraConfig config, LoraAdapter start, long initSeed) {
        try (LoraAdapter initial = AdapterInit.initial(base, config, start, initSeed)) {
            return base.withAdapter(initial);
        }
    }

    /**
     * Trains an adapted model's adapter in place; {@link OptModel#adapter()} then returns the trained adapter.
     *
     * @param model a model with an adapter ({@link #adapted})
     * @param examples the training set (shuffled per epoch with the config's seed)
     * @param config the optimisation settings; its {@code batch_size} is at most the number of examples
     * @return the log of the run
     * @throws IllegalArgumentException if the model has no adapter
     */
    public static TrainingLog train(OptModel model, List<LmExample> examples, TrainingConfig config) {
        Map<String, Parameter> trainable = model.adapterParameters();
        if (trainable.isEmpty()) {
            throw new IllegalArgumentException("the model has no adapter to train: apply one with adapted(...)");
        }
        long pad = model.config().padTokenId();
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
