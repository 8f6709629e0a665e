package dev.seedj.llm;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.GsonBuilder;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.Int8Linear;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.StateDictLoader;
import dev.seedj.core.weights.ComputeType;
import dev.seedj.core.weights.LibtorchOps;
import dev.seedj.core.weights.SafetensorsWriter;
import dev.seedj.core.weights.StateDict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * <p>Derived models: {@link #withAdapter} (a LoRA adapter applied unmerged) and {@link #merge()} return new
 * models that share the unchanged weight arrays of the model they come from and own only what they change.
 * A derived model therefore lives no longer than its source: closing the source closes it too.
 *
 * <p>Thread safety: the forward passes ({@link #logits}, {@link #finalHidden}, {@link #nextLogits}) only read
 * parameters and may run concurrently, each with its own {@link KvCache}. {@link #resizeTokenEmbeddings},
 * {@link #withAdapter}, {@link #merge()} and {@link #close()} must not race with forward passes.
 */
public final class OptModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OptModel.class);
    private static final String EMBED = OptDecoder.PREFIX + ".embed_tokens.weight";
    private static final String LM_HEAD = "lm_head.weight";

    private final NDManager manager;
    private final OptModel source;
    private final LoraConfig adapterConfig;
    private final Map<String, OptModules.LoraSpec> loraModules;
    private final Set<OptModel> derived = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile OptConfig config;
    private volatile OptForCausalLm network;

    private OptModel(NDManager manager, OptModel source, OptConfig config, boolean separateLmHead,
            LoraConfig adapterConfig, Map<String, OptModules.LoraSpec> loraModules) {
        this.manager = manager;
        this.source = source;
        this.config = config;
        this.adapterConfig = adapterConfig;
        this.loraModules = Map.copyOf(loraModules);
        this.network = build(config, separateLmHead, this.loraModules);
    }

    private static OptForCausalLm build(
            OptConfig config, boolean separateLmHead, Map<String, OptModules.LoraSpec> lora) {
        LinearFactory linears = (name, in, out, bias) -> {
            OptModules.LoraSpec spec = lora.get(name);
            return spec == null ? new Linear(in, out, bias) : new LoraLinear(in, out, bias, spec.rank(), spec.scaling());
        };
        return new OptForCausalLm(config, linears, separateLmHead);
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
     * @param dtype {@link ComputeType#BFLOAT16} keeps weights and activations in bfloat16 (layer norms and softmax
     *     in float32, logits returned as float32); such a model cannot be resized, adapted or merged
     * @return the model
     */
    public static OptModel load(Path dir, Device device, ComputeType dtype) {
        OptConfig config = OptConfig.load(dir.resolve("config.json"));
        try (StateDict weights = StateDict.open(dir)) {
            return load(config, weights, device, dtype);
        }
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
        StateDict named = weights;
        if (!weights.contains(EMBED) && weights.contains("decoder.embed_tokens.weight")) {
            named = weights.withPrefix("model.");
        }
        NDManager manager = NDManager.newBaseManager(device);
        try {
            OptModel model = new OptModel(manager, null, config, !config.tieWordEmbeddings(), null, Map.of());
            StateDictLoader.load(model.network, named, manager, name -> false, dtype);
            return model;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
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
     * same draws, rounded to bfloat16 for {@link ComputeType#BFLOAT16}.
     *
     * @param config the architecture
     * @param seed the random seed
     * @param device where the weights live
     * @param dtype the compute type
     * @return the model
     */
    public static OptModel random(OptConfig config, long seed, Device device, ComputeType dtype) {
        NDManager manager = NDManager.newBaseManager(device);
        try {
            OptModel model = new OptModel(manager, null, config, !config.tieWordEmbeddings(), null, Map.of());
            manager.getEngine().setRandomSeed((int) seed);
            Map<String, Shape> shapes = model.network.declaredShapes();
            for (Map.Entry<String, Parameter> e : model.network.namedParameters().entrySet()) {
                Shape shape = shapes.get(e.getKey());
                NDArray a;
                if (e.getKey().endsWith("embed_positions.weight")) {
                    a = manager.randomNormal(0f, 0.5f, shape, ai.djl.ndarray.types.DataType.FLOAT32);
                } else if (shape.dimension() >= 2) {
                    a = manager.randomNormal(0f, (float) (1 / Math.sqrt(shape.get(1))), shape,
                            ai.djl.ndarray.types.DataType.FLOAT32);
                } else if (e.getKey().endsWith("layer_norm.weight")) {
                    a = manager.randomNormal(1f, 0.1f, shape, ai.djl.ndarray.types.DataType.FLOAT32);
                } else {
                    a = manager.randomNormal(0f, 0.1f, shape, ai.djl.ndarray.types.DataType.FLOAT32);
                }
                if (dtype == ComputeType.BFLOAT16) {
                    NDArray rounded = LibtorchOps.toBfloat16(a);
                    a.close();
                    a = rounded;
                }
                e.getValue().setArray(a);
            }
            return model;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
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

    /** @return the device the weights live on */
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
     * One incremental step: runs the new tokens against the cache, appends their keys and values to it, and
     * returns the logits of the last new position.
     *
     * @param newIds [B][T] the tokens not yet in the cache (the whole prompt on the first step)
     * @param attentionMask [B][cached + T] the mask of everything so far (1 real, 0 padding)
     * @param cache the cache of this generation, from {@link #newCache}
     * @param manager owns the result
     * @return float32 [B, vocab]
     */
    public NDArray nextLogits(long[][] newIds, long[][] attentionMask, KvCache cache, NDManager manager) {
        OptForCausalLm net = checkOpen();
        OptInputs in = OptInputs.of(newIds, attentionMask, Math.toIntExact(cache.length()), config);
        try (NDManager scope = manager.newSubManager(device())) {
            NDArray h = hidden(net, in, cache, scope); // [B, T, proj]
            NDArray last = h.get(":, -1, :"); // [B, proj]
            NDArray logits = float32(net.lastLogits(last)); // [B, V]
            logits.attach(manager);
            return logits;
        }
    }

    /**
     * @param parent the manager under which the cache keeps its arrays
     * @return an empty cache for one generation with this model
     */
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
        if (LibtorchOps.isBfloat16(network.decoder().embedTokens().weight().getArray()) || network.isInt8()) {
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
        OptForCausalLm net = checkOpen();
        if (newSize <= 0) {
            throw new IllegalArgumentException("vocabulary size must be positive, got " + newSize);
        }
        requireFloat32("resizeTokenEmbeddings");
        if (!derived.isEmpty()) {
            throw new IllegalStateException("cannot resize the embeddings while " + derived.size()
                    + " derived model(s) (withAdapter/merge) are open: close them first");
        }
        if (newSize == config.vocabSize()) {
            return;
        }
        Map<String, NDArray> arrays = arraysOf(net);
        NDArray oldEmbed = arrays.get(EMBED);
        arrays.put(EMBED, resizedRows(oldEmbed, newSize));
        NDArray oldHead = arrays.get(LM_HEAD);
        if (oldHead != null) {
            arrays.put(LM_HEAD, resizedRows(oldHead, newSize));
        }
        OptConfig resized = config.withVocabSize(newSize);
        OptForCausalLm rebuilt = build(resized, net.hasSeparateLmHead(), loraModules);
        attachAll(rebuilt, arrays);
        LOG.info("resized the token embeddings from {} to {} rows", config.vocabSize(), newSize);
        this.config = resized;
        this.network = rebuilt;
        closeIfOwned(oldEmbed);
        if (oldHead != null) {
            closeIfOwned(oldHead);
        }
    }

    private NDArray resizedRows(NDArray old, int newSize) {
        long oldSize = old.getShape().get(0);
        try (NDManager scope = manager.newSubManager()) {
            NDArray out;
            if (newSize < oldSize) {
                NDArray kept = old.get("0:" + newSize); // [newSize, dim]
                kept.attach(scope);
                out = kept.duplicate();
            } else {
                NDArray mean = old.mean(new int[] {0}, true); // [1, dim]
                mean.attach(scope);
                NDArray extra = mean.repeat(0, newSize - oldSize); // [newSize - oldSize, dim]
                extra.attach(scope);
                out = old.concat(extra, 0); // [newSize, dim]
            }
            out.attach(manager);
            return out;
        }
    }

    /**
     * Switches this model to weight-only int8 for decoding (opt-in): every linear layer of the decoder
     * ({@code q/k/v/out_proj}, {@code fc1}, {@code fc2}, {@code project_in/out}) becomes an {@link Int8Linear} with
     * per-output-channel scales and frees its float32 weight, and the output layer multiplies by an int8 copy of its
     * matrix (with tied embeddings the float32 table stays for the lookups). Activations, layer norms and the
     * embedding lookups stay float32. Inference only: the quantised weights have no parameter arrays afterwards, so
     * the model can no longer be trained, saved, resized, adapted or merged.
     *
     * @throws IllegalStateException if the model carries an adapter, is derived from another, or has derived models
     * @throws UnsupportedOperationException for a bfloat16 model
     */
    public void quantizeInt8() {
        OptForCausalLm net = checkOpen();
        requireFloat32("quantizeInt8");
        if (adapterConfig != null || source != null || !derived.isEmpty()) {
            throw new IllegalStateException("int8 quantisation needs a plain model that shares no weights"
                    + " (no adapter, not derived, no derived models open)");
        }
        List<Int8Linear> layers = new ArrayList<>();
        LinearFactory int8 = (name, in, out, bias) -> {
            Int8Linear layer = new Int8Linear(in, out, bias);
            layers.add(layer);
            return layer;
        };
        OptForCausalLm rebuilt = new OptForCausalLm(config, int8, net.hasSeparateLmHead());
        attachAll(rebuilt, arraysOf(net));
        for (Int8Linear layer : layers) {
            layer.quantize(manager);
        }
        rebuilt.quantizeHeadInt8(manager);
        this.network = rebuilt;
        LOG.info("quantised {} linear layers and the output layer to int8", layers.size());
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
        OptForCausalLm net = checkOpen();
        if (adapterConfig != null) {
            throw new IllegalStateException("this model already carries an adapter: merge() it first");
        }
        requireFloat32("withAdapter");
        LoraConfig lora = adapter.config();
        Map<String, OptModules.LoraSpec> plan = OptModules.resolve(lora, config);
        Map<String, NDArray> base = arraysOf(net);
        Map<String, NDArray> loraTensors = new LinkedHashMap<>();
        Map<String, NDArray> overrides = new LinkedHashMap<>();
        for (String key : adapter.keys()) {
            String name = key.substring(LoraAdapter.KEY_PREFIX.length());
            NDArray value = adapter.get(key);
            if (LoraAdapter.isLoraKey(key)) {
                String module = name.substring(0, name.length() - LoraAdapter.LORA_A.length());
                if (!plan.containsKey(module)) {
                    throw new IllegalArgumentException("adapter tensor '" + key + "' belongs to '" + module
                            + "', which the adapter config does not target in this model");
                }
                loraTensors.put(name, value);
            } else {
                if (!base.containsKey(name) && !name.equals(LM_HEAD)) {
                    throw new IllegalArgumentException("adapter tensor '" + key
                            + "' matches no parameter of this OPT model");
                }
                overrides.put(name, value);
            }
        }
        for (String module : lora.modulesToSave()) {
            boolean found = overrides.keySet().stream()
                    .anyMatch(n -> LoraConfig.savedBy(module, n.substring(0, n.lastIndexOf('.'))));
            if (!found) {
                throw new IllegalArgumentException("modules_to_save lists '" + module
                        + "' but the adapter file has no weights for it");
            }
        }
        boolean tied = !net.hasSeparateLmHead();
        NDArray embedOverride = overrides.remove(EMBED);
        NDArray headOverride = overrides.remove(LM_HEAD);
        boolean separate = !tied || (!ensureWeightTying && (embedOverride != null || headOverride != null));
        OptConfig derivedConfig = config.withTiedEmbeddings(!separate);
        NDManager m = manager.newSubManager();
        try {
            OptModel model = new OptModel(m, this, derivedConfig, separate, lora, plan);
            Map<String, Shape> shapes = model.network.declaredShapes();
            Map<String, NDArray> arrays = new LinkedHashMap<>(base);
            NDArray baseHead = tied ? base.get(EMBED) : base.get(LM_HEAD);
            if (tied && ensureWeightTying) {
                NDArray shared = embedOverride != null ? embedOverride : headOverride;
                if (shared != null) {
                    arrays.put(EMBED, model.copyChecked(EMBED, shared, shapes));
                }
            } else {
                arrays.put(EMBED, embedOverride == null ? base.get(EMBED) : model.copyChecked(EMBED, embedOverride, shapes));
                if (separate) {
                    arrays.put(LM_HEAD, headOverride == null ? baseHead : model.copyChecked(LM_HEAD, headOverride, shapes));
                }
            }
            for (Map.Entry<String, NDArray> e : overrides.entrySet()) {
                arrays.put(e.getKey(), model.copyChecked(e.getKey(), e.getValue(), shapes));
            }
            for (String module : plan.keySet()) {
                for (String suffix : List.of(LoraAdapter.LORA_A, LoraAdapter.LORA_B)) {
                    String name = module + suffix;
                    NDArray value = loraTensors.get(name);
                    if (value == null) {
                        throw new IllegalArgumentException("the adapter targets '" + module + "' but has no '"
                                + LoraAdapter.KEY_PREFIX + name + "'");
                    }
                    arrays.put(name, model.copyChecked(name, value, shapes));
                }
            }
            attachAll(model.network, arrays);
            derived.add(model);
            LOG.info("applied a LoRA adapter to {} module(s){}", plan.size(),
                    separate && tied ? "; lm_head keeps the base embedding matrix (tied pair split)" : "");
            return model;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private NDArray copyChecked(String name, NDArray value, Map<String, Shape> shapes) {
        Shape expected = shapes.get(name);
        if (!value.getShape().equals(expected)) {
            String hint = name.equals(EMBED) || name.equals(LM_HEAD)
                    ? " (a vocabulary of " + value.getShape().get(0) + " rows: resizeTokenEmbeddings("
                            + value.getShape().get(0) + ") the base model first if it was resized for training)"
                    : " (was the adapter made for another model size?)";
            throw new IllegalArgumentException("adapter tensor '" + LoraAdapter.KEY_PREFIX + name + "' has shape "
                    + value.getShape() + " but this model expects " + expected + hint);
        }
        NDArray copy = value.duplicate();
        copy.attach(manager);
        return copy;
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
        OptForCausalLm net = checkOpen();
        if (adapterConfig == null) {
            throw new IllegalStateException("this model has no adapter to merge");
        }
        Map<String, Parameter> params = net.namedParameters();
        NDManager m = source.manager.newSubManager();
        try {
            OptModel merged = new OptModel(m, source, config, net.hasSeparateLmHead(), null, Map.of());
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (String name : merged.network.namedParameters().keySet()) {
                NDArray current = params.get(name).getArray();
                String module = name.substring(0, name.lastIndexOf('.'));
                OptModules.LoraSpec spec = loraModules.get(module);
                NDArray value;
                if (spec != null && name.endsWith(".weight")) {
                    NDArray a = params.get(module + LoraAdapter.LORA_A).getArray(); // [r, in]
                    NDArray b = params.get(module + LoraAdapter.LORA_B).getArray(); // [out, r]
                    try (NDManager scope = m.newSubManager()) {
                        NDArray delta = b.matMul(a); // [out, in]
                        delta.attach(scope);
                        value = current.add(delta.muli(spec.scaling()));
                    }
                } else if (current.getManager() == manager) {
                    value = current.duplicate(); // a saved module owned by this adapted model
                } else {
                    arrays.put(name, current);
                    continue;
                }
                value.attach(m);
                arrays.put(name, value);
            }
            attachAll(merged.network, arrays);
            source.derived.add(merged);
            return merged;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
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
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : adapterParameters().entrySet()) {
            tensors.put(e.getKey(), e.getValue().getArray());
        }
        return LoraAdapter.of(adapterConfig, tensors);
    }

    /**
     * The trainable parameters of the adapter: LoRA factors and saved modules, by adapter-file key
     * ({@code base_model.model.<name>}).
     *
     * @return the parameters, in model order (empty for a model without adapter)
     */
    public Map<String, Parameter> adapterParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        if (adapterConfig == null) {
            return out;
        }
        for (Map.Entry<String, Parameter> e : network.namedParameters().entrySet()) {
            boolean lora = LoraAdapter.isLoraKey(e.getKey());
            if (lora || e.getValue().getArray().getManager() == manager) {
                out.put(LoraAdapter.KEY_PREFIX + e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /**
     * Writes {@code config.json} and {@code model.safetensors} (float32) in Hugging Face's layout.
     *
     * @param dir the target directory (created if needed)
     * @throws IllegalStateException for a model with an unmerged adapter (save the adapter, or merge first)
     * @throws UncheckedIOException if the files cannot be written
     */
    public void save(Path dir) {
        OptForCausalLm net = checkOpen();
        if (adapterConfig != null) {
            throw new IllegalStateException("this model carries an unmerged adapter: save the adapter, or merge() first");
        }
        try {
            Files.createDirectories(dir);
            String json = new GsonBuilder().setPrettyPrinting().create().toJson(config.toJson());
            Files.writeString(dir.resolve("config.json"), json + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model to " + dir, e);
        }
        new SafetensorsWriter().withMetadata(Map.of("format", "pt")).write(dir.resolve("model.safetensors"), arraysOf(net));
    }

    private static Map<String, NDArray> arraysOf(OptForCausalLm net) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
            out.put(e.getKey(), e.getValue().getArray());
        }
        return out;
    }

    private static void attachAll(OptForCausalLm net, Map<String, NDArray> arrays) {
        Map<String, Shape> shapes = net.declaredShapes();
        for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
            NDArray a = arrays.get(e.getKey());
            if (a == null) {
                throw new IllegalStateException("no array for parameter '" + e.getKey() + "'");
            }
            if (!a.getShape().equals(shapes.get(e.getKey()))) {
                throw new IllegalArgumentException("parameter '" + e.getKey() + "' expects " + shapes.get(e.getKey())
                        + " but got " + a.getShape());
            }
            e.getValue().setArray(a);
        }
    }

    private void closeIfOwned(NDArray array) {
        if (array.getManager() == manager && !network.namedParameters().values().stream()
                .anyMatch(p -> p.getArray() == array)) {
            array.close();
        }
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
        return "OptModel[" + config + (adapterConfig == null ? "" : ", LoRA on " + loraModules.keySet()) + "]";
    }
}
