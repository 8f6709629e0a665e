package dev.seedj.llm.llama;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.LoadReport;
import dev.seedj.llm.CausalLanguageModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * <p>Thread safety: the forward passes ({@link #logits}, {@link #finalHidden}, {@link #hiddenStates},
 * {@link #nextLogits}) only read parameters and may run concurrently, each with its own {@link KvCache};
 * {@link #close()} must not race with them.
 */
public final class LlamaModel implements CausalLanguageModel, AutoCloseable {
    private final NDManager manager;
    private final LlamaConfig config;
    private final LlamaForCausalLm network;
    private final LlamaRotaryEmbedding rotary;
    private final LoadReport loadReport;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LlamaModel(NDManager manager, LlamaConfig config, LlamaForCausalLm network, LoadReport loadReport) {
        this.manager = manager;
        this.config = config;
        this.network = network;
        this.rotary = new LlamaRotaryEmbedding(config);
        this.loadReport = loadReport;
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
        WeightConversion conversion = WeightConversion.to(options.computeType());
        MemoryFit.check(config, options.computeType(), options.memoryLimitBytes());
        NDManager manager = NDManager.newBaseManager(options.device());
        try {
            LlamaForCausalLm network = new LlamaForCausalLm(config);
            LoadReport report = LlamaCheckpoint.load(dir, network, new LlamaRotaryEmbedding(config), conversion,
                    manager);
            return new LlamaModel(manager, config, network, report);
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
        NDManager manager = NDManager.newBaseManager(device);
        try {
            LlamaForCausalLm network = new LlamaForCausalLm(config);
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
                e.getValue().setArray(a);
            }
            return new LlamaModel(manager, config, network, new LoadReport(List.of(), List.of(), List.of()));
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

    /** @return every parameter by its checkpoint name */
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
        return ArrayScopes.call(manager, device(), scope -> network.logits(hidden(in, null, null, scope)));
    }

    /**
     * The decoder's last hidden state (after the final {@code norm}).
     *
     * @param inputIds [B][T] token ids
     * @param attentionMask [B][T] or null for all ones
     * @param manager owns the result
     * @return float32 [B, T, hidden]
     */
    public NDArray finalHidden(long[][] inputIds, long[][] attentionMask, NDManager manager) {
        LlamaInputs in = inputs(inputIds, attentionMask, null, 0);
        return ArrayScopes.call(manager, device(), scope -> hidden(in, null, null, scope));
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
            NDList out = new NDList(states);
            out.attach(manager);
            return out;
        }
    }

    @Override
    public NDArray nextLogits(long[][] newIds, long[][] attentionMask, KvCache cache, NDManager manager) {
        LlamaInputs in = inputs(newIds, attentionMask, null, Math.toIntExact(cache.length()));
        try (NDManager scope = manager.newSubManager(device())) {
            NDArray h = hidden(in, cache, null, scope); // [B, T, hidden]
            NDArray logits = network.lastLogits(h.get(":, -1, :")); // [B, V]
            logits.attach(manager);
            return logits;
        }
    }

    @Override
    public KvCache newCache(NDManager parent) {
        return new KvCache(parent, config.numLayers());
    }

    private LlamaInputs inputs(long[][] ids, long[][] mask, long[][] positions, int past) {
        if (closed.get()) {
            throw new IllegalStateException("this LlamaModel is closed");
        }
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

    /** Frees the weights. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            manager.close();
        }
    }

    @Override
    public String toString() {
        return "LlamaModel[" + config + "]";
    }
}
