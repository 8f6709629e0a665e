package dev.seedj.llm.llama;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.DecodeThreads;
import dev.seedj.core.nn.Int8Linear;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.LoadReport;
import dev.seedj.core.nn.lora.LoraInjector;
import dev.seedj.core.weights.LibtorchOps;
import dev.seedj.llm.AdaptableLanguageModel;
import dev.seedj.llm.LlmDtype;
import dev.seedj.llm.LoraAdapter;
import dev.seedj.llm.LoraConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A LLaMA causal language model ({@code LlamaForCausalLM} of transformers 4.28-4.30, the version SEED-LLaMA pins,
 * plus the grouped-query attention and rope scaling of 4.31): RMSNorm, rotary embeddings, SwiGLU MLP,
 * {@code num_key_value_heads} key/value heads, untied (or tied) {@code lm_head}. Every size loads from its
 * {@code config.json} alone: LLaMA 7B-65B, Vicuna, LLaMA-2 (70B's grouped-query attention), SEED-LLaMA 8B and
 * 14B. Parameters carry the checkpoint's names ({@link #namedParameters()}), e.g.
 * {@code model.layers.0.self_attn.q_proj.weight}.
 *
 * <p>Batches are padded on the left. Positions follow the attention mask as in Hugging Face's generation
 * ({@code cumsum(mask) - 1}, padding at 1), so a padded row gives the logits its unpadded prompt gives. Padding
 * positions themselves attend uniformly over all keys (the reference's clamp of fully masked rows); their outputs
 * have no meaning.
 *
 * <p>Weights are kept as {@link LlamaLoadOptions#dtype()} says: float32, bfloat16 (activations in bfloat16 too;
 * RMSNorm, rotary embeddings and softmax in float32; logits returned as float32) or weight-only int8 (every linear
 * layer int8 with per-output-channel scales, float32 activations, embeddings and norms).
 *
 * <p>LoRA (PEFT layout, on {@code q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj}):
 * {@link #withAdapter} returns a derived model that shares this model's weights and owns the adapter's tensors;
 * {@link #merge()} folds it into a plain derived model, {@link #mergeAdapter()} / {@link #unmergeAdapter()} fold and
 * unfold it in place; {@link #adapter()} snapshots it for {@link LoraAdapter#save}. A derived model lives no longer
 * than its source: closing the source closes it. Adapters need a float32 model.
 *
 * <p>Thread safety: the forward passes ({@link #logits}, {@link #finalHidden}, {@link #hiddenStates},
 * {@link #nextLogits}) only read parameters and may run concurrently, each with its own {@link KvCache};
 * {@link #withAdapter}, {@link #merge()}, {@link #mergeAdapter()}, {@link #unmergeAdapter()} and {@link #close()}
 * must not race with them.
 */
public final class LlamaModel implements AdaptableLanguageModel<LlamaModel> {
    private final NDManager manager;
    private final LlamaConfig config;
    private final LlamaForCausalLm network;
    private final LlamaRotaryEmbedding rotary;
    private final LoadReport loadReport;
    private final LlmDtype dtype;
    private final LlamaModel source;
    private final LoraConfig adapterConfig;
    private final Set<LlamaModel> derived = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    private LlamaModel(NDManager manager, LlamaConfig config, LlamaForCausalLm network, LoadReport loadReport,
            LlmDtype dtype) {
        this(manager, config, network, loadReport, dtype, null, null);
    }

    /**
     * @param manager owns the arrays this model created
     * @param config the architecture
     * @param network the network, arrays attached
     * @param loadReport what loading filled
     * @param dtype how the weights are kept
     * @param source the model this one derives from (sharing its weights), or null
     * @param adapterConfig the applied adapter's config, or null
     */
    LlamaModel(NDManager manager, LlamaConfig config, LlamaForCausalLm network, LoadReport loadReport, LlmDtype dtype,
            LlamaModel source, LoraConfig adapterConfig) {
        this.manager = manager;
        this.config = config;
        this.network = network;
        this.rotary = new LlamaRotaryEmbedding(config);
        this.loadReport = loadReport;
        this.dtype = dtype;
        this.source = source;
        this.adapterConfig = adapterConfig;
    }

    /**
     * Loads a Hugging Face LLaMA directory in float32 on the default device, after checking that the weights fit
     * the machine's memory.
     *
     * @param dir holds {@code config.json} and the weights: {@code model.safetensors(.index.json)} or
     *     {@code pytorch_model.bin(.index.json)} shards
     * @return the model
     * @throws IllegalArgumentException for a missing or malformed config key
     * @throws ModelDoesNotFitException if the weights cannot fit in memory (nothing is read)
     * @throws dev.seedj.core.weights.CheckpointException for a missing shard or weight, or a shape that disagrees
     *     with the config
     */
    public static LlamaModel load(Path dir) {
        return load(dir, LlamaLoadOptions.defaults());
    }

    /**
     * Loads a Hugging Face LLaMA directory: checks the config and the memory the weights need in the compute dtype,
     * then every shard's keys and shapes, and only then reads the weights shard by shard, converting each tensor to
     * the compute dtype as it is read. On any failure everything loaded so far is freed.
     *
     * @param dir holds {@code config.json} and the weights
     * @param options device, compute dtype and memory limit
     * @return the model
     * @throws IllegalArgumentException for a missing or malformed config key or an unavailable compute dtype
     * @throws ModelDoesNotFitException if the weights cannot fit in the memory limit (nothing is read)
     * @throws dev.seedj.core.weights.CheckpointException for a missing shard or weight, or a shape that disagrees
     *     with the config
     */
    public static LlamaModel load(Path dir, LlamaLoadOptions options) {
        LlamaConfig config = LlamaConfig.load(dir.resolve("config.json"));
        LlmDtype dtype = options.dtype();
        WeightConversion conversion = WeightConversion.to(dtype);
        MemoryFit.check(config, dtype, options.memoryLimitBytes());
        NDManager manager = NDManager.newBaseManager(options.device());
        try {
            LlamaForCausalLm network = new LlamaForCausalLm(config);
            Map<String, Int8Linear> int8 = dtype.int8Weights() ? network.useInt8Layers() : Map.of();
            LoadReport report = LlamaCheckpoint.load(dir, network, new LlamaRotaryEmbedding(config), conversion,
                    manager, key -> {
                        Int8Linear layer = int8.get(key);
                        if (layer != null) {
                            layer.quantize(manager, dtype.int8Activations()); // frees the float32 weight before the next tensor is read
                        }
                    });
            if (dtype.int8Weights() && config.tieWordEmbeddings()) {
                network.quantizeTiedHead(manager, dtype.int8Activations());
            }
            return new LlamaModel(manager, config, network, report, dtype);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * A model with random float32 weights (tests, benchmarks): matrices ~ N(0, 1/fan_in), embeddings ~ N(0, 1),
     * RMSNorm gains ~ 1 + N(0, 0.1^2).
     *
     * @param config the architecture
     * @param seed the random seed
     * @param device where the weights live
     * @return the model
     */
    public static LlamaModel random(LlamaConfig config, long seed, Device device) {
        return random(config, seed, device, LlmDtype.FLOAT32);
    }

    /**
     * A model with random weights (see {@link #random(LlamaConfig, long, Device)}) kept as {@code dtype}: the same
     * draws, rounded to bfloat16 or quantised to int8.
     *
     * @param config the architecture
     * @param seed the random seed
     * @param device where the weights live
     * @param dtype how the weights are kept
     * @return the model
     */
    public static LlamaModel random(LlamaConfig config, long seed, Device device, LlmDtype dtype) {
        NDManager manager = NDManager.newBaseManager(device);
        try {
            LlamaForCausalLm network = new LlamaForCausalLm(config);
            Map<String, Int8Linear> int8 = dtype.int8Weights() ? network.useInt8Layers() : Map.of();
            manager.getEngine().setRandomSeed((int) seed);
            Map<String, Shape> shapes = network.declaredShapes();
            for (Map.Entry<String, Parameter> e : network.namedParameters().entrySet()) {
                Shape shape = shapes.get(e.getKey());
                NDArray a;
                if (shape.dimension() == 1) {
                    a = manager.randomNormal(1f, 0.1f, shape, DataType.FLOAT32);
                } else if (e.getKey().endsWith("embed_tokens.weight")) {
                    a = manager.randomNormal(0f, 1f, shape, DataType.FLOAT32);
                } else {
                    a = manager.randomNormal(0f, (float) (1 / Math.sqrt(shape.get(1))), shape, DataType.FLOAT32);
                }
                if (dtype == LlmDtype.BFLOAT16) {
                    NDArray rounded = LibtorchOps.toBfloat16(a);
                    a.close();
                    a = rounded;
                }
                e.getValue().setArray(a);
                Int8Linear layer = int8.get(e.getKey());
                if (layer != null) {
                    layer.quantize(manager, dtype.int8Activations());
                }
            }
            if (dtype.int8Weights() && config.tieWordEmbeddings()) {
                network.quantizeTiedHead(manager, dtype.int8Activations());
            }
            return new LlamaModel(manager, config, network, new LoadReport(List.of(), List.of(), List.of()), dtype);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** @return the architecture */
    public LlamaConfig config() {
        return config;
    }

    /** @return what loading filled and which checkpoint keys it ignored (e.g. {@code rotary_emb.inv_freq}) */
    public LoadReport loadReport() {
        return loadReport;
    }

    /** @return how the weights are kept in memory */
    public LlmDtype dtype() {
        return dtype;
    }

    /**
     * @return every parameter by its checkpoint name (LoRA factors as {@code <module>.lora_A.weight}); an int8
     *     layer's {@code weight} has no array (its int8 copy is not a parameter)
     */
    @Override
    public Map<String, Parameter> namedParameters() {
        return network.namedParameters();
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int maxPositions() {
        return config.maxPositions();
    }

    @Override
    public int padTokenId() {
        return config.padTokenId();
    }

    @Override
    public int eosTokenId() {
        return config.eosTokenId();
    }

    @Override
    public Device device() {
        return manager.getDevice();
    }

    /**
     * Logits of every position, as {@code LlamaForCausalLM(input_ids, attention_mask, position_ids).logits} with
     * the position ids Hugging Face's generation derives from the mask.
     *
     * @param inputIds [B][T] token ids (rows padded on the left to one length)
     * @param attentionMask [B][T], 1 for real tokens and 0 for padding; null means all ones
     * @param manager owns the result
     * @return float32 [B, T, vocab]
     * @throws IllegalArgumentException for ids outside the vocabulary or inconsistent shapes
     */
    public NDArray logits(long[][] inputIds, long[][] attentionMask, NDManager manager) {
        return logits(inputIds, attentionMask, null, manager);
    }

    /**
     * Logits of every position with explicit position ids ({@code position_ids} of the reference's forward; a plain
     * forward without them uses {@code 0 .. T-1} for every row, padded or not).
     *
     * @param inputIds [B][T] token ids
     * @param attentionMask [B][T] or null for all ones
     * @param positionIds [B][T] rotary positions, or null to derive them from the mask
     * @param manager owns the result
     * @return float32 [B, T, vocab]
     */
    public NDArray logits(long[][] inputIds, long[][] attentionMask, long[][] positionIds, NDManager manager) {
        LlamaInputs in = inputs(inputIds, attentionMask, positionIds, 0);
        return ArrayScopes.call(manager, device(), scope -> float32(network.logits(hidden(in, null, null, scope))));
    }

    /**
     * The decoder's last hidden state (after the final {@code norm}).
     *
     * @param inputIds [B][T] token ids
     * @param attentionMask [B][T] or null for all ones
     * @param manager owns the result
     * @return float32 [B, T, hidden]
     */
    @Override
    public NDArray finalHidden(long[][] inputIds, long[][] attentionMask, NDManager manager) {
        LlamaInputs in = inputs(inputIds, attentionMask, null, 0);
        return ArrayScopes.call(manager, device(), scope -> float32(hidden(in, null, null, scope)));
    }

    /**
     * The language-model head ({@code lm_head}) on hidden states, e.g. only the positions a training loss scores.
     *
     * @param hidden [..., hidden], from {@link #finalHidden}
     * @return logits [..., vocab], owned by {@code hidden}'s manager
     */
    @Override
    public NDArray lmHead(NDArray hidden) {
        checkOpen();
        return network.logits(hidden);
    }

    /**
     * Hugging Face's {@code output_hidden_states}: the embeddings, then the output of each layer, the last entry
     * replaced by the normed final hidden state.
     *
     * @param inputIds [B][T] token ids
     * @param attentionMask [B][T] or null for all ones
     * @param manager owns the results
     * @return {@code num_hidden_layers + 1} float32 arrays [B, T, hidden]
     */
    public NDList hiddenStates(long[][] inputIds, long[][] attentionMask, NDManager manager) {
        LlamaInputs in = inputs(inputIds, attentionMask, null, 0);
        List<NDArray> states = new ArrayList<>();
        try (NDManager scope = manager.newSubManager(device())) {
            hidden(in, null, states, scope); // [embeddings, out_0, .., out_{L-2}, norm(out_{L-1})]
            NDList out = new NDList();
            states.forEach(state -> out.add(float32(state)));
            out.attach(manager);
            return out;
        }
    }

    @Override
    public NDArray nextLogits(long[][] newIds, long[][] attentionMask, KvCache cache, NDManager manager) {
        LlamaInputs in = inputs(newIds, attentionMask, null, Math.toIntExact(cache.length()));
        boolean streaming = newIds[0].length == 1 && DecodeThreads.streams(newIds.length, dtype.int8Activations());
        return streaming ? DecodeThreads.streaming(() -> nextLogits(in, cache, manager))
                : nextLogits(in, cache, manager);
    }

    private NDArray nextLogits(LlamaInputs in, KvCache cache, NDManager manager) {
        try (NDManager scope = manager.newSubManager(device())) {
            LlamaDecodeStep step = decodeStep(in, cache);
            NDArray last; // [B, hidden]
            if (step != null) { // one sequence, one new token: the decoder in Java
                last = scope.create(step.lastHidden(in, cache), new Shape(1, config.hiddenSize()));
            } else {
                // a bfloat16 forward pass after Java steps: the cache back to the bfloat16 rows it computes with
                cache.storeAs(dtype.computeType());
                last = hidden(in, cache, null, scope).get(":, -1, :");
            }
            NDArray logits = float32(network.lastLogits(last)); // [B, V]
            logits.attach(manager);
            return logits;
        }
    }

    /**
     * @param in a step's inputs
     * @param cache the generation's cache
     * @return the step in Java, or null where libtorch's forward pass runs it (see {@link LlamaDecodeStep})
     */
    LlamaDecodeStep decodeStep(LlamaInputs in, KvCache cache) {
        return LlamaDecodeStep.prepare(network.model(), rotary, in, cache);
    }

    @Override
    public KvCache newCache(NDManager parent) {
        return new KvCache(parent, config.numLayers());
    }

    private LlamaInputs inputs(long[][] ids, long[][] mask, long[][] positions, int past) {
        checkOpen();
        return LlamaInputs.of(ids, mask, positions, past, config.vocabSize());
    }

    private NDArray hidden(LlamaInputs in, KvCache cache, List<NDArray> states, NDManager scope) {
        NDArray ids = scope.create(in.ids(), new Shape(in.batch(), in.length()));
        NDArray[] cosSin = rotary.cosSin(in.positions(), in.batch(), in.length(), in.past() + in.length(), scope);
        NDArray mask = in.mask() == null
                ? null
                : scope.create(in.mask(), new Shape(in.batch(), 1, in.length(), in.past() + in.length()));
        return network.model().forward(ids, cosSin[0], cosSin[1], mask, cache, states); // [B, T, hidden]
    }

    /** A bfloat16 output as float32 (in the same manager); float32 as it is. */
    private static NDArray float32(NDArray output) {
        return LibtorchOps.isBfloat16(output) ? output.toType(DataType.FLOAT32, false) : output;
    }

    // ---- LoRA ----

    /** @return the config of the applied adapter, or null for a model without one */
    @Override
    public LoraConfig adapterConfig() {
        return adapterConfig;
    }

    /**
     * Which modules an adapter config wraps in this model, as PEFT resolves {@code target_modules} on
     * {@code named_modules()} (LoRA is supported on {@code q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj,
     * down_proj}).
     *
     * @param lora the adapter config
     * @return full module name -> rank and scaling, in model order
     * @throws IllegalArgumentException if it targets a module LoRA is not supported on, lists a module this model
     *     lacks, or targets none
     */
    @Override
    public Map<String, LoraInjector.Site> loraTargets(LoraConfig lora) {
        checkOpen();
        return LlamaAdapters.resolve(network, lora);
    }

    /**
     * The weights an adapter config's {@code modules_to_save} copy (e.g. {@code embed_tokens}, {@code lm_head}).
     *
     * @param lora the adapter config
     * @return parameter name -> this model's array (not copied), in model order
     */
    @Override
    public Map<String, NDArray> savedModuleWeights(LoraConfig lora) {
        checkOpen();
        return LlamaAdapters.savedWeights(network, lora);
    }

    /**
     * Applies a PEFT LoRA adapter without merging it: each targeted projection computes
     * {@code W x + scaling * B (A x)}, and saved modules replace the matching weights. Everything is checked before
     * anything is built: an adapter for another model (a module or parameter this model lacks, a tensor of another
     * shape) is refused and this model is left as it was.
     *
     * @param adapter the adapter; it may be closed afterwards (its tensors are copied)
     * @return a new model sharing this model's unchanged weights, closed with it
     * @throws IllegalArgumentException if the adapter was made for another model, naming the tensor or module
     * @throws IllegalStateException if this model already carries an adapter
     * @throws UnsupportedOperationException for a bfloat16 or int8 model
     */
    @Override
    public LlamaModel withAdapter(LoraAdapter adapter) {
        checkOpen();
        if (adapterConfig != null) {
            throw new IllegalStateException("this model already carries an adapter: merge() it first");
        }
        requireFloat32("withAdapter");
        LlamaModel adapted = LlamaAdapters.withAdapter(this, adapter);
        derived.add(adapted);
        return adapted;
    }

    /**
     * Folds the adapter into the weights ({@code W' = W + scaling * B A}), like PEFT's {@code merge_and_unload}: a
     * plain model sharing the unchanged weights of the model the adapter was applied to, outliving this one.
     *
     * @return a model without adapter
     * @throws IllegalStateException if this model has no adapter
     */
    @Override
    public LlamaModel merge() {
        checkOpen();
        if (adapterConfig == null) {
            throw new IllegalStateException("this model has no adapter to merge");
        }
        LlamaModel merged = LlamaAdapters.merge(this);
        source.derived.add(merged);
        return merged;
    }

    /**
     * Folds the adapter into merged weights in place (PEFT's {@code merge_adapter}): the forward passes then use
     * {@code W + scaling * B A} without computing the update; the base weights shared with the source model are not
     * written. No-op if already merged.
     *
     * @throws IllegalStateException if this model has no adapter
     */
    public void mergeAdapter() {
        checkOpen();
        if (adapterConfig == null) {
            throw new IllegalStateException("this model has no adapter to merge");
        }
        LoraInjector.merge(network, manager);
    }

    /** Undoes {@link #mergeAdapter()} (PEFT's {@code unmerge_adapter}); no-op if not merged. */
    public void unmergeAdapter() {
        checkOpen();
        LoraInjector.unmerge(network);
    }

    /**
     * @return a snapshot of this model's adapter (current LoRA factors and saved modules), e.g. after training; the
     *     caller closes it
     * @throws IllegalStateException if this model has no adapter
     */
    @Override
    public LoraAdapter adapter() {
        checkOpen();
        if (adapterConfig == null) {
            throw new IllegalStateException("this model has no adapter");
        }
        return LlamaAdapters.snapshot(network, adapterConfig);
    }

    /** @return the adapter's trainable parameters (LoRA factors, saved modules) by adapter-file key */
    @Override
    public Map<String, Parameter> adapterParameters() {
        checkOpen();
        return adapterConfig == null ? Map.of() : LoraInjector.adapterParameters(network, adapterConfig);
    }

    /** @return the manager that owns the arrays this model created */
    NDManager manager() {
        return manager;
    }

    /** @return the network */
    LlamaForCausalLm network() {
        return checkOpen();
    }

    /** @return the model this one derives from, or null */
    LlamaModel source() {
        return source;
    }

    private void requireFloat32(String what) {
        if (dtype != LlmDtype.FLOAT32) {
            throw new UnsupportedOperationException(what + " needs a float32 model, not a " + dtype + " one");
        }
    }

    private LlamaForCausalLm checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this LlamaModel is closed");
        }
        return network;
    }

    /** Frees the weights, and those of every model derived from this one. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (LlamaModel d : List.copyOf(derived)) {
            d.close();
        }
        if (source != null) {
            source.derived.remove(this);
        }
        manager.close();
    }

    @Override
    public String toString() {
        return "LlamaModel[" + config + ", " + dtype + (adapterConfig == null ? "" : ", LoRA") + "]";
    }
}
