package dev.seedj.llm;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.DecodeThreads;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.nn.Int8Linear;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.StateDictLoader;
import dev.seedj.core.nn.lora.LoraInjector;
import dev.seedj.core.weights.ComputeType;
import dev.seedj.core.weights.LibtorchOps;
import dev.seedj.core.weights.StateDict;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OPT causal language model ({@code OPTForCausalLM}), every size from 125m to 66b by its config alone:
 * pre- or post-LayerNorm, {@code project_in}/{@code project_out} when {@code word_embed_proj_dim} differs from
 * {@code hidden_size}, tied or separate {@code lm_head}, learned positions with OPT's offset of 2. Parameters
 * carry Hugging Face's state-dict names ({@link #namedParameters()}), e.g.
 * {@code model.decoder.layers.0.self_attn.q_proj.weight}; weights stored as float16 or bfloat16 are widened to
 * float32 when loaded.
 *
 * <p>This class holds the model and runs it; loading and saving ({@link OptCheckpoints}), the embedding resize
 * ({@link OptEmbeddingResize}) and the LoRA-derived models ({@link OptAdapters}) live in their own classes and
 * are reached through the methods here.
 *
 * <p>Derived models: {@link #withAdapter} (a LoRA adapter applied unmerged) and {@link #merge()} return new
 * models that share the unchanged weight arrays of the model they come from and own only what they change.
 * A derived model therefore lives no longer than its source: closing the source closes it too.
 *
 * <p>Thread safety: the forward passes ({@link #logits}, {@link #finalHidden}, {@link #nextLogits}) only read
 * parameters and may run concurrently, each with its own {@link KvCache}. {@link #resizeTokenEmbeddings},
 * {@link #withAdapter}, {@link #merge()} and {@link #close()} must not race with forward passes.
 */
public final class OptModel implements AdaptableLanguageModel<OptModel> {
    /**
     * With bfloat16 or int8 weights, how many of each decoding step's largest logits (from the bfloat16 or int8 copy
     * of the output layer) are recomputed from the float32 matrix ({@link #load(Path, Device, ComputeType)},
     * {@link #quantizeInt8(Int8Linear.Activations)}).
     */
    public static final int RESCORED_LOGITS = 16;

    private static final Logger LOG = LoggerFactory.getLogger(OptModel.class);
    private final NDManager manager;
    private final OptModel source;
    private final LoraConfig adapterConfig;
    private final Map<String, LoraInjector.Site> loraSites;
    private final Set<OptModel> derived = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Int8Linear.Activations int8Products; // set by quantizeInt8, else null
    private volatile OptConfig config;
    private volatile OptForCausalLm network;

    /**
     * A model whose network is built (LoRA layers swapped in at {@code loraSites}) but has no arrays yet.
     *
     * @param manager owns the arrays this model creates
     * @param source the model this one derives from, or null
     * @param config the architecture
     * @param separateLmHead whether {@code lm_head.weight} is a parameter of its own
     * @param adapterConfig the applied adapter's config, or null
     * @param loraSites the LoRA-wrapped modules (empty without adapter)
     */
    OptModel(NDManager manager, OptModel source, OptConfig config, boolean separateLmHead, LoraConfig adapterConfig,
            Map<String, LoraInjector.Site> loraSites) {
        this.manager = manager;
        this.source = source;
        this.config = config;
        this.adapterConfig = adapterConfig;
        this.loraSites = Map.copyOf(loraSites);
        this.network = build(config, separateLmHead, this.loraSites);
    }

    /**
     * @param config the architecture
     * @param separateLmHead whether {@code lm_head.weight} is a parameter of its own
     * @param loraSites modules to swap for LoRA layers
     * @return the network, without arrays
     */
    static OptForCausalLm build(OptConfig config, boolean separateLmHead, Map<String, LoraInjector.Site> loraSites) {
        OptForCausalLm net = new OptForCausalLm(config, separateLmHead);
        if (!loraSites.isEmpty()) {
            LoraInjector.inject(net, loraSites);
        }
        return net;
    }

    /**
     * Loads a Hugging Face OPT directory on the default device.
     *
     * @param dir holds {@code config.json} and {@code model.safetensors}, {@code pytorch_model.bin} or a sharded index
     * @return the model
     * @throws IllegalArgumentException for a missing or malformed config field
     * @throws dev.seedj.core.weights.CheckpointException for missing weights or a shape that disagrees with the config
     */
    public static OptModel load(Path dir) {
        return load(dir, Engine.getInstance().defaultDevice());
    }

    /**
     * Loads a Hugging Face OPT directory.
     *
     * @param dir holds {@code config.json} and the weights
     * @param device where the weights live
     * @return the model
     */
    public static OptModel load(Path dir, Device device) {
        return load(dir, device, ComputeType.FLOAT32);
    }

    /**
     * Loads a Hugging Face OPT directory to compute in the given type.
     *
     * @param dir holds {@code config.json} and the weights
     * @param device where the weights live
     * @param dtype {@link ComputeType#BFLOAT16} keeps the decoder's linear-layer matrices in bfloat16, their products
     *     reading bfloat16 inputs; the residual stream, layer norms, attention, embeddings, output layer and logits
     *     stay float32, except that decoding multiplies by a bfloat16 copy of the output matrix and recomputes each
     *     step's {@value #RESCORED_LOGITS} largest logits in float32. Such a model cannot be resized, adapted or
     *     merged
     * @return the model
     */
    public static OptModel load(Path dir, Device device, ComputeType dtype) {
        return OptCheckpoints.load(dir, device, dtype);
    }

    /**
     * Loads a Hugging Face OPT directory in the given {@link LlmDtype}: float32, bfloat16
     * ({@link #load(Path, Device, ComputeType)}) or int8 (loaded in float32, then
     * {@link #quantizeInt8(Int8Linear.Activations)}).
     *
     * @param dir holds {@code config.json} and the weights
     * @param device where the weights live
     * @param dtype how the weights are kept
     * @return the model
     */
    public static OptModel load(Path dir, Device device, LlmDtype dtype) {
        OptModel model = load(dir, device, dtype.computeType());
        if (dtype.int8Weights()) {
            try {
                model.quantizeInt8(dtype.int8Activations());
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
        }
        return model;
    }

    /**
     * Builds a model from a config and already opened weights (e.g. one particular file of a directory that
     * has both {@code model.safetensors} and {@code pytorch_model.bin}). Checkpoints saved from
     * {@code OPTModel} (keys {@code decoder.*}) are accepted as well as {@code OPTForCausalLM} ones
     * ({@code model.decoder.*}); with tied embeddings a stored {@code lm_head.weight} is ignored, as Hugging
     * Face re-ties it.
     *
     * @param config the architecture
     * @param weights the tensors; may be closed after this returns
     * @param device where the weights live
     * @return the model
     */
    public static OptModel load(OptConfig config, StateDict weights, Device device) {
        return load(config, weights, device, ComputeType.FLOAT32);
    }

    /**
     * Builds a model computing in {@code dtype} from a config and already opened weights (see
     * {@link #load(OptConfig, StateDict, Device)} and {@link #load(Path, Device, ComputeType)}).
     *
     * @param config the architecture
     * @param weights the tensors; may be closed after this returns (mapped weights stay valid)
     * @param device where the weights live
     * @param dtype the compute type
     * @return the model
     */
    public static OptModel load(OptConfig config, StateDict weights, Device device, ComputeType dtype) {
        return OptCheckpoints.load(config, weights, device, dtype);
    }

    /**
     * A model with random weights (tests, benchmarks): matrices ~ N(0, 1/fan_in), biases and LayerNorm shifts
     * ~ N(0, 0.1^2), LayerNorm gains ~ 1 + N(0, 0.1^2), positions ~ N(0, 0.5^2).
     *
     * @param config the architecture
     * @param seed the random seed
     * @param device where the weights live
     * @return the model
     */
    public static OptModel random(OptConfig config, long seed, Device device) {
        return random(config, seed, device, ComputeType.FLOAT32);
    }

    /**
     * A model with random weights (see {@link #random(OptConfig, long, Device)}) computing in {@code dtype}: the
     * same draws, the decoder's linear-layer matrices rounded to bfloat16 for {@link ComputeType#BFLOAT16} (with the
     * decoding output layer's bfloat16 copy of {@link #load(Path, Device, ComputeType)}).
     *
     * @param config the architecture
     * @param seed the random seed
     * @param device where the weights live
     * @param dtype the compute type
     * @return the model
     */
    public static OptModel random(OptConfig config, long seed, Device device, ComputeType dtype) {
        return OptCheckpoints.random(config, seed, device, dtype);
    }

    /** @return the architecture (its vocabulary size follows {@link #resizeTokenEmbeddings}) */
    public OptConfig config() {
        return config;
    }

    /** @return every parameter by its Hugging Face state-dict name (LoRA factors as {@code <module>.lora_A.weight}) */
    public Map<String, Parameter> namedParameters() {
        return network.namedParameters();
    }

    /** @return the config of the applied adapter, or null for a model without one */
    public LoraConfig adapterConfig() {
        return adapterConfig;
    }

    /**
     * Which modules an adapter config wraps in this model, as PEFT resolves its {@code target_modules} on
     * {@code named_modules()} (OPT supports LoRA on {@code q_proj, k_proj, v_proj, out_proj, fc1, fc2}).
     *
     * @param lora the adapter config
     * @return full module name -> rank and scaling, in model order
     * @throws IllegalArgumentException if it targets a module LoRA is not supported on, lists a module this model lacks,
     *     or targets none
     */
    @Override
    public Map<String, LoraInjector.Site> loraTargets(LoraConfig lora) {
        return OptAdapters.resolve(checkOpen(), lora);
    }

    /**
     * The weights an adapter config's {@code modules_to_save} copy (PEFT's {@code ModulesToSaveWrapper}), by
     * parameter name; with tied embeddings a saved {@code lm_head} is the embedding matrix under
     * {@code lm_head.weight}.
     *
     * @param lora the adapter config
     * @return parameter name -> this model's array (not copied), in model order
     */
    public Map<String, NDArray> savedModuleWeights(LoraConfig lora) {
        return OptAdapters.savedWeights(checkOpen(), lora);
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
     * Logits of every position ({@code OPTForCausalLM(input_ids, attention_mask).logits}).
     *
     * @param inputIds [B][T] token ids (rows padded to one length)
     * @param attentionMask [B][T], 1 for real tokens and 0 for padding; null means all ones
     * @param manager owns the result
     * @return float32 [B, T, vocab]
     * @throws IllegalArgumentException for ids outside the vocabulary, a sequence longer than the position
     *     table, or inconsistent shapes
     */
    public NDArray logits(long[][] inputIds, long[][] attentionMask, NDManager manager) {
        OptForCausalLm net = checkOpen();
        OptInputs in = OptInputs.of(inputIds, attentionMask, 0, config);
        return ArrayScopes.call(manager, device(), scope -> float32(net.logits(hidden(net, in, null, scope)))); // [B, T, V]
    }

    /**
     * The decoder's last hidden state ({@code last_hidden_state}: after {@code final_layer_norm} and
     * {@code project_out} where the model has them).
     *
     * @param inputIds [B][T] token ids
     * @param attentionMask [B][T] or null for all ones
     * @param manager owns the result
     * @return float32 [B, T, word_embed_proj_dim]
     */
    public NDArray finalHidden(long[][] inputIds, long[][] attentionMask, NDManager manager) {
        OptForCausalLm net = checkOpen();
        OptInputs in = OptInputs.of(inputIds, attentionMask, 0, config);
        return ArrayScopes.call(manager, device(), scope -> float32(hidden(net, in, null, scope)));
    }

    /**
     * The language-model head ({@code lm_head}) on hidden states, e.g. only the positions a training loss scores.
     *
     * @param hidden [..., word_embed_proj_dim], from {@link #finalHidden}
     * @return logits [..., vocab], owned by {@code hidden}'s manager
     */
    public NDArray lmHead(NDArray hidden) {
        return checkOpen().logits(hidden);
    }

    /**
     * One incremental step: runs the new tokens against the cache, appends their keys and values to it, and
     * returns the logits of the last new position. A step of one sequence and one new token after the prompt runs in
     * Java where {@link DecodeThreads#javaSteps()} and the model allow it (see {@code OptDecodeStep}); the logits
     * equal libtorch's forward pass up to float rounding.
     *
     * @param newIds [B][T] the tokens not yet in the cache (the whole prompt on the first step)
     * @param attentionMask [B][cached + T] the mask of everything so far (1 real, 0 padding)
     * @param cache the cache of this generation, from {@link #newCache}
     * @param manager owns the result
     * @return float32 [B, vocab]
     */
    @Override
    public NDArray nextLogits(long[][] newIds, long[][] attentionMask, KvCache cache, NDManager manager) {
        OptForCausalLm net = checkOpen();
        OptInputs in = OptInputs.of(newIds, attentionMask, Math.toIntExact(cache.length()), config);
        boolean streaming = newIds[0].length == 1 && DecodeThreads.streams(newIds.length, int8Products);
        return streaming ? DecodeThreads.streaming(() -> nextLogits(net, in, cache, manager))
                : nextLogits(net, in, cache, manager);
    }

    private NDArray nextLogits(OptForCausalLm net, OptInputs in, KvCache cache, NDManager manager) {
        try (NDManager scope = manager.newSubManager(device())) {
            OptDecodeStep step = OptDecodeStep.prepare(net, config, in, cache);
            NDArray last; // [B, proj]
            if (step != null) { // one sequence, one new token: the decoder in Java
                last = scope.create(step.lastHidden(in, cache), new Shape(1, config.wordEmbedProjDim()));
            } else {
                NDArray h = hidden(net, in, cache, scope); // [B, T, proj]
                last = h.get(":, -1, :");
            }
            return ArrayScopes.adopt(float32(net.lastLogits(last)), manager); // [B, V]
        }
    }

    /**
     * @param parent the manager under which the cache keeps its arrays
     * @return an empty cache for one generation with this model
     */
    @Override
    public KvCache newCache(NDManager parent) {
        return new KvCache(parent, config.numLayers());
    }

    /** A bfloat16 output as float32 (in the same manager); float32 as it is. */
    private static NDArray float32(NDArray output) {
        return LibtorchOps.isBfloat16(output) ? output.toType(DataType.FLOAT32, false) : output;
    }

    /**
     * @throws UnsupportedOperationException for a bfloat16 model (what DJL cannot copy or resize in bfloat16) or an
     *     int8 one (its quantised weights have no parameter arrays)
     */
    private void requireFloat32(String what) {
        boolean bfloat16 = network.namedParameters().values().stream()
                .anyMatch(p -> p.isInitialized() && LibtorchOps.isBfloat16(p.getArray()));
        boolean int8 = network.namedBlocks().values().stream().anyMatch(b -> b instanceof Int8Linear);
        if (bfloat16 || int8) {
            throw new UnsupportedOperationException(what + " is supported only for float32 models, not bfloat16"
                    + " or int8 ones");
        }
    }

    private NDArray hidden(OptForCausalLm net, OptInputs in, KvCache cache, NDManager scope) {
        NDArray ids = scope.create(in.ids(), new Shape(in.batch(), in.length()));
        NDArray positions = scope.create(in.positions(), new Shape(in.batch(), in.length()));
        NDArray mask = in.mask() == null
                ? null
                : scope.create(in.mask(), new Shape(in.batch(), 1, in.length(), in.past() + in.length()));
        return net.hidden(ids, positions, mask, cache); // [B, T, proj]
    }

    /**
     * Changes the vocabulary size as Hugging Face's {@code resize_token_embeddings(n, mean_resizing=True)}:
     * rows are kept, new rows of {@code embed_tokens} (and of a separate {@code lm_head}) are the mean of the old
     * rows, surplus rows are dropped. (Hugging Face adds noise of covariance 1e-9 x the rows' covariance to that
     * mean; this uses the mean itself.)
     *
     * @param newSize the new number of rows
     * @throws IllegalArgumentException if {@code newSize} is not positive
     * @throws IllegalStateException while models derived from this one are open (they share its embeddings)
     */
    public void resizeTokenEmbeddings(int newSize) {
        checkOpen();
        if (newSize <= 0) {
            throw new IllegalArgumentException("vocabulary size must be positive, got " + newSize);
        }
        requireFloat32("resizeTokenEmbeddings");
        if (!derived.isEmpty()) {
            throw new IllegalStateException("cannot resize the embeddings while " + derived.size()
                    + " derived model(s) (withAdapter/merge) are open: close them first");
        }
        OptEmbeddingResize.resize(this, newSize);
    }

    /**
     * Switches this model to weight-only int8 for decoding: {@link #quantizeInt8(Int8Linear.Activations)} with
     * float32 activations.
     *
     * @throws IllegalStateException if the model carries an adapter, is derived from another, or has derived models
     * @throws UnsupportedOperationException for a bfloat16 model
     */
    public void quantizeInt8() {
        quantizeInt8(Int8Linear.Activations.FLOAT32);
    }

    /**
     * Switches this model to int8 for decoding (opt-in): every linear layer of the decoder
     * ({@code q/k/v/out_proj}, {@code fc1}, {@code fc2}, {@code project_in/out}) becomes an {@link Int8Linear} with
     * per-output-channel scales and frees its float32 weight. Decoding's output layer multiplies by an int8 copy of
     * the (tied) embedding matrix and recomputes each position's 16 best logits in float32: int8 alone flipped near
     * ties of the greedy decisions (88.9% of the opt-tiny fixture's greedy tokens), the rescored candidates keep
     * float32's choice; {@link #lmHead} and training-style forward passes keep float32. The residual stream,
     * attention, layer norms, the embeddings and the logits stay float32; the products' inputs too with weight-only
     * int8, while dynamic int8 quantises them to uint8 per product (faster on AVX2 CPUs, less exact: see
     * {@link Int8Linear}). Inference only: the quantised weights have no parameter arrays
     * afterwards, so the model can no longer be trained, saved, resized, adapted or merged.
     *
     * @param activations weight-only ({@link Int8Linear.Activations#FLOAT32}) or dynamic
     *     ({@link Int8Linear.Activations#INT8}, fbgemm) products
     * @throws IllegalStateException if the model carries an adapter, is derived from another, or has derived models
     * @throws UnsupportedOperationException for a bfloat16 model, or int8 activations where fbgemm cannot run
     */
    public void quantizeInt8(Int8Linear.Activations activations) {
        OptForCausalLm net = checkOpen();
        requireFloat32("quantizeInt8");
        if (adapterConfig != null || source != null || !derived.isEmpty()) {
            throw new IllegalStateException("int8 quantisation needs a plain model that shares no weights"
                    + " (no adapter, not derived, no derived models open)");
        }
        // swap every decoder Linear for an Int8Linear holding the same arrays, through the block tree
        Map<String, SeedBlock> blocks = net.namedBlocks();
        int count = 0;
        for (Map.Entry<String, SeedBlock> e : blocks.entrySet()) {
            if (!(e.getValue() instanceof Linear linear) || linear instanceof Int8Linear) {
                continue;
            }
            String name = e.getKey();
            int dot = name.lastIndexOf('.');
            SeedBlock parent = dot < 0 ? net : blocks.get(name.substring(0, dot));
            Int8Linear q = new Int8Linear(linear.inFeatures(), linear.outFeatures(), linear.bias() != null);
            q.weight().setArray(linear.weight().getArray());
            if (linear.bias() != null) {
                q.bias().setArray(linear.bias().getArray());
            }
            q.quantize(manager, activations);
            parent.replaceChild(name.substring(dot + 1), q);
            count++;
        }
        net.quantizeHead(manager, activations);
        int8Products = activations;
        LOG.info("quantised {} linear layers and the decoding output layer to int8 ({} activations)", count,
                activations == Int8Linear.Activations.INT8 ? "int8" : "float32");
    }

    /**
     * Applies a LoRA adapter without merging it, with PEFT's handling of tied embeddings taken from the
     * adapter's {@code ensure_weight_tying} (false by default).
     *
     * @param adapter the adapter; it may be closed afterwards
     * @return a new model sharing this model's weights
     * @see #withAdapter(LoraAdapter, boolean)
     */
    public OptModel withAdapter(LoraAdapter adapter) {
        return withAdapter(adapter, adapter.config().ensureWeightTying());
    }

    /**
     * Applies a LoRA adapter without merging it: each targeted projection computes
     * {@code W x + b + scaling * B (A x)}, and saved modules replace the matching weights. With tied
     * embeddings, a saved {@code embed_tokens} replaces the input embeddings only and {@code lm_head} keeps the
     * base matrix (PEFT's default), unless {@code ensureWeightTying}, in which case both use the saved matrix.
     *
     * @param adapter the adapter; it may be closed afterwards (its tensors are copied)
     * @param ensureWeightTying keep {@code lm_head} tied to a saved {@code embed_tokens} (and vice versa)
     * @return a new model sharing this model's unchanged weights
     * @throws IllegalArgumentException if the adapter targets unsupported modules, lacks or has extra tensors,
     *     or was made for another shape (the message names the tensor)
     * @throws IllegalStateException if this model already carries an adapter
     */
    public OptModel withAdapter(LoraAdapter adapter, boolean ensureWeightTying) {
        checkOpen();
        if (adapterConfig != null) {
            throw new IllegalStateException("this model already carries an adapter: merge() it first");
        }
        requireFloat32("withAdapter");
        return OptAdapters.withAdapter(this, adapter, ensureWeightTying);
    }

    /**
     * Folds the adapter into the weights ({@code W' = W + scaling * B A}), like PEFT's
     * {@code merge_and_unload}: returns a plain model whose saved modules are its own weights. The result shares
     * the unchanged weights of the model the adapter was applied to and outlives this adapted model.
     *
     * @return a model without adapter
     * @throws IllegalStateException if this model has no adapter
     */
    public OptModel merge() {
        checkOpen();
        if (adapterConfig == null) {
            throw new IllegalStateException("this model has no adapter to merge");
        }
        return OptAdapters.merge(this);
    }

    /**
     * A snapshot of this model's adapter as a {@link LoraAdapter}: the current LoRA factors and the weights this
     * model owns in place of the base's (saved modules), e.g. after training.
     *
     * @return a new adapter (the caller closes it)
     * @throws IllegalStateException if this model has no adapter
     */
    public LoraAdapter adapter() {
        checkOpen();
        if (adapterConfig == null) {
            throw new IllegalStateException("this model has no adapter");
        }
        return OptAdapters.snapshot(this);
    }

    /**
     * The trainable parameters of the adapter: LoRA factors and saved modules, by adapter-file key
     * ({@code base_model.model.<name>}).
     *
     * @return the parameters, in model order (empty for a model without adapter)
     */
    public Map<String, Parameter> adapterParameters() {
        return OptAdapters.trainable(this);
    }

    /**
     * Writes {@code config.json} and {@code model.safetensors} (float32) in Hugging Face's layout.
     *
     * @param dir the target directory (created if needed)
     * @throws IllegalStateException for a model with an unmerged adapter (save the adapter, or merge first)
     * @throws java.io.UncheckedIOException if the files cannot be written
     */
    public void save(Path dir) {
        checkOpen();
        if (adapterConfig != null) {
            throw new IllegalStateException("this model carries an unmerged adapter: save the adapter, or merge() first");
        }
        OptCheckpoints.save(this, dir);
    }

    /** @return the manager that owns the arrays this model created */
    NDManager manager() {
        return manager;
    }

    /** @return the model this one derives from, or null */
    OptModel source() {
        return source;
    }

    /** @return the LoRA-wrapped modules (empty without adapter) */
    Map<String, LoraInjector.Site> appliedSites() {
        return loraSites;
    }

    /**
     * @return the checkpoint keys of the vocabulary-sized matrices, in the order an adapter that saves one is
     *     asked: the token embedding ({@code model.decoder.embed_tokens.weight}) and the output head
     *     ({@code lm_head.weight})
     */
    public List<String> vocabularyMatrixKeys() {
        OptForCausalLm net = checkOpen();
        return List.of(net.embedTokensKey(), net.lmHeadKey());
    }

    /** @return the network (throws once closed) */
    OptForCausalLm network() {
        return checkOpen();
    }

    /**
     * Registers a model derived from this one (closed with it).
     *
     * @param model the derived model
     */
    void addDerived(OptModel model) {
        derived.add(model);
    }

    /**
     * Switches to a rebuilt network (after a resize).
     *
     * @param newConfig the new architecture
     * @param newNetwork the network with its arrays attached
     */
    void replaceNetwork(OptConfig newConfig, OptForCausalLm newNetwork) {
        this.config = newConfig;
        this.network = newNetwork;
    }

    private OptForCausalLm checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this OptModel is closed");
        }
        return network;
    }

    /** Frees this model's weights and those of every model derived from it. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (OptModel d : List.copyOf(derived)) {
            d.close();
        }
        if (source != null) {
            source.derived.remove(this);
        }
        manager.close();
    }

    @Override
    public String toString() {
        return "OptModel[" + config + (adapterConfig == null ? "" : ", LoRA on " + loraSites.keySet()) + "]";
    }
}
