package dev.seedj.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.lora.LoraInjector;
import java.util.Map;

/**
 * A {@link CausalLanguageModel} that takes PEFT LoRA adapters and can be fine-tuned through them: what LoRA training
 * ({@link dev.seedj.llm.train.LoraTraining}, {@link dev.seedj.llm.train.CausalLmLoss}) needs, implemented by
 * {@link OptModel} and {@link dev.seedj.llm.llama.LlamaModel}. An adapter is applied as a derived model that
 * shares the base model's unchanged weights ({@link #withAdapter}); its trainable parameters carry PEFT's
 * adapter-file keys ({@link #adapterParameters()}).
 *
 * <p>Implementations state their own thread-safety.
 *
 * @param <M> the model type itself (what {@link #withAdapter} and {@link #merge()} return)
 */
public interface AdaptableLanguageModel<M extends AdaptableLanguageModel<M>> extends CausalLanguageModel,
        AutoCloseable {

    /**
     * The decoder's last hidden state, on the autograd graph when recording.
     *
     * @param inputIds [B][T] token ids
     * @param attentionMask [B][T], 1 for real tokens and 0 for padding; null means all ones
     * @param manager owns the result
     * @return float32 [B, T, width]
     */
    NDArray finalHidden(long[][] inputIds, long[][] attentionMask, NDManager manager);

    /**
     * The language-model head on hidden states (e.g. only the positions a training loss scores).
     *
     * @param hidden [..., width], from {@link #finalHidden}
     * @return logits [..., vocab], owned by {@code hidden}'s manager
     */
    NDArray lmHead(NDArray hidden);

    /** @return every parameter by its checkpoint name (LoRA factors as {@code <module>.lora_A.weight}) */
    Map<String, Parameter> namedParameters();

    /** @return the config of the applied adapter, or null for a model without one */
    LoraConfig adapterConfig();

    /**
     * Which modules an adapter config wraps in this model, as PEFT resolves {@code target_modules}.
     *
     * @param lora the adapter config
     * @return full module name -> rank and scaling, in model order
     * @throws IllegalArgumentException if it targets a module LoRA is not supported on, a listed module this model
     *     lacks, or nothing
     */
    Map<String, LoraInjector.Site> loraTargets(LoraConfig lora);

    /**
     * @param lora the adapter config
     * @return the weights its {@code modules_to_save} copy, by parameter name (this model's arrays, not copied)
     */
    Map<String, NDArray> savedModuleWeights(LoraConfig lora);

    /**
     * Applies a LoRA adapter without merging it.
     *
     * @param adapter the adapter; it may be closed afterwards (its tensors are copied)
     * @return a new model sharing this model's unchanged weights, closed with it
     * @throws IllegalArgumentException if the adapter was made for another model (a target module it lacks, a tensor
     *     of another shape or of a module it does not have); nothing is applied then
     */
    M withAdapter(LoraAdapter adapter);

    /**
     * Folds the adapter into the weights (PEFT's {@code merge_and_unload}).
     *
     * @return a plain model sharing the unchanged weights
     * @throws IllegalStateException if this model has no adapter
     */
    M merge();

    /**
     * @return a snapshot of this model's adapter (current LoRA factors and saved modules); the caller closes it
     * @throws IllegalStateException if this model has no adapter
     */
    LoraAdapter adapter();

    /** @return the adapter's trainable parameters by adapter-file key (empty without adapter) */
    Map<String, Parameter> adapterParameters();

    /** Frees this model's weights (and those of the models derived from it). */
    @Override
    void close();
}
