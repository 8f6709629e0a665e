package dev.seedj.diffusion.clip;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.StateDictLoader;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The CLIP text encoder Stable Diffusion conditions on (Hugging Face {@code CLIPTextModel}): token and position
 * embeddings, pre-LayerNorm causal transformer layers with {@code quick_gelu} (CLIP ViT-L/14, SD v1) or {@code gelu}
 * (OpenCLIP ViT-H/14, SD 2.x), {@code final_layer_norm}. Parameters carry the Hugging Face names
 * ({@code text_model.encoder.layers.0.self_attn.q_proj.weight}); {@link #load(ClipTextConfig, StateDict, Device)}
 * also maps the CompVis checkpoint layouts by name: SD v1's {@code cond_stage_model.transformer.text_model.*} and
 * SD 2's OpenCLIP {@code cond_stage_model.model.*} (fused {@code in_proj} split into q, k, v).
 *
 * <p>Thread safety: {@link #encode} only reads parameters and may run concurrently; {@link #close()} must not race
 * with it.
 */
public final class ClipTextModel implements AutoCloseable {
    private static final String HF_TOKENS = "text_model.embeddings.token_embedding.weight";
    private static final String SD_V1_PREFIX = "cond_stage_model.transformer.";
    private static final String OPEN_CLIP_PREFIX = "cond_stage_model.model.";

    private final NDManager manager;
    private final ClipTextTransformer.Root network;

    private ClipTextModel(NDManager manager, ClipTextConfig config) {
        this.manager = manager;
        this.network = new ClipTextTransformer.Root(config);
    }

    /**
     * Loads a Hugging Face / diffusers {@code text_encoder/} folder ({@code config.json} and {@code model.safetensors}
     * or {@code pytorch_model.bin}) on the default device. A config without {@code vocab_size} takes it from the
     * token embedding's rows.
     *
     * @param folder the folder
     * @return the model
     * @throws CheckpointException if weights are missing or disagree with the config
     */
    public static ClipTextModel load(Path folder) {
        return load(folder, Engine.getInstance().defaultDevice());
    }

    /**
     * @param folder a {@code text_encoder/} folder
     * @param device where the weights live
     * @return the model
     * @throws CheckpointException if weights are missing or disagree with the config
     */
    public static ClipTextModel load(Path folder, Device device) {
        ClipTextConfig config = ClipTextConfig.fromJson(folder.resolve("config.json"));
        Path weights = null;
        for (String name : new String[] {"model.safetensors", "pytorch_model.bin"}) {
            if (Files.isRegularFile(folder.resolve(name))) {
                weights = folder.resolve(name);
                break;
            }
        }
        if (weights == null) {
            throw new CheckpointException(folder + " has neither model.safetensors nor pytorch_model.bin");
        }
        try (StateDict sd = StateDict.open(weights)) {
            if (!ClipTextConfig.statesVocabSize(folder.resolve("config.json")) && sd.contains(HF_TOKENS)) {
                config = config.withVocabSize(Math.toIntExact(sd.info(HF_TOKENS).shape()[0]));
            }
            return load(config, sd, device);
        }
    }

    /**
     * Builds a model from weights in any of the three layouts: Hugging Face ({@code text_model.*}), a CompVis SD v1
     * checkpoint ({@code cond_stage_model.transformer.text_model.*}) or a CompVis SD 2 checkpoint
     * ({@code cond_stage_model.model.*}, OpenCLIP names; also without the prefix). Other keys (the UNet, the VAE,
     * {@code position_ids}, {@code text_projection}) are ignored.
     *
     * @param config the architecture ({@link ClipTextConfig#CLIP_VIT_L_14}, {@link ClipTextConfig#OPEN_CLIP_VIT_H_14},
     *     or a folder's config)
     * @param weights the tensors; may be closed after this returns
     * @param device where the weights live
     * @return the model
     * @throws CheckpointException if no layout is recognised, a weight is missing or a shape disagrees with the config
     */
    public static ClipTextModel load(ClipTextConfig config, StateDict weights, Device device) {
        NDManager manager = NDManager.newBaseManager(device);
        try {
            ClipTextModel model = new ClipTextModel(manager, config);
            if (weights.contains(HF_TOKENS)) {
                StateDictLoader.load(model.network, weights, manager);
            } else if (weights.contains(SD_V1_PREFIX + HF_TOKENS)) {
                StateDictLoader.load(model.network, weights.stripPrefix(SD_V1_PREFIX), manager);
            } else if (weights.contains(OPEN_CLIP_PREFIX + OpenClipKeys.TOKEN_EMBEDDING)) {
                OpenClipKeys.load(model.network, weights.stripPrefix(OPEN_CLIP_PREFIX), manager);
            } else if (weights.contains(OpenClipKeys.TOKEN_EMBEDDING)) {
                OpenClipKeys.load(model.network, weights, manager);
            } else {
                throw new CheckpointException("no CLIP text encoder in these weights: looked for " + HF_TOKENS + ", "
                        + SD_V1_PREFIX + HF_TOKENS + " and " + OPEN_CLIP_PREFIX + OpenClipKeys.TOKEN_EMBEDDING);
            }
            return model;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Every output: all hidden states, {@code last_hidden_state}, the penultimate layer, the pooled output.
     *
     * @param inputIds int64 [B, T] token ids, T &lt;= max positions
     * @param manager owns the results
     * @return the outputs
     * @throws IllegalArgumentException for ids outside the vocabulary or a sequence that is too long
     */
    public ClipTextOutput encode(NDArray inputIds, NDManager manager) {
        checkIds(inputIds);
        ClipTextConfig config = config();
        try (NDManager scope = manager.newSubManager(this.manager.getDevice())) {
            NDArray ids = inputIds.toDevice(this.manager.getDevice(), true);
            ids.attach(scope);
            ClipTextTransformer text = network.textModel();
            List<NDArray> states = text.hiddenStates(ids, config.numLayers());
            NDArray last = text.finalLayerNorm(states.get(states.size() - 1)); // [B, T, D]
            NDArray penultimate = text.finalLayerNorm(states.get(states.size() - 2)); // [B, T, D]
            long[] eos = eosIndex(ids);
            NDList rows = new NDList();
            for (int b = 0; b < eos.length; b++) {
                rows.add(last.get(new NDIndex("{}, {}", b, eos[b])));
            }
            NDArray pooled = NDArrays.stack(rows); // [B, D]
            List<NDArray> kept = new ArrayList<>(states);
            kept.addAll(List.of(last, penultimate, pooled));
            kept.forEach(a -> a.attach(manager));
            return new ClipTextOutput(List.copyOf(states), last, penultimate, pooled, eos);
        }
    }

    /**
     * The context Stable Diffusion reads, running only the layers it needs.
     *
     * @param inputIds int64 [B, T]
     * @param layer {@link ClipLayer#LAST} (SD v1, diffusers SD 2) or {@link ClipLayer#PENULTIMATE} (CompVis SD 2)
     * @param manager owns the result
     * @return [B, T, D]
     * @throws IllegalArgumentException for ids outside the vocabulary or a sequence that is too long
     */
    public NDArray encode(NDArray inputIds, ClipLayer layer, NDManager manager) {
        checkIds(inputIds);
        int layers = layer == ClipLayer.LAST ? config().numLayers() : config().numLayers() - 1;
        if (layers < 1) {
            throw new IllegalArgumentException("a 1-layer text encoder has no penultimate layer");
        }
        return ArrayScopes.call(manager, this.manager.getDevice(), scope -> {
            NDArray ids = inputIds.toDevice(this.manager.getDevice(), true);
            ids.attach(scope);
            List<NDArray> states = network.textModel().hiddenStates(ids, layers);
            return network.textModel().finalLayerNorm(states.get(states.size() - 1));
        });
    }

    /** @return the architecture */
    public ClipTextConfig config() {
        return network.textModel().config();
    }

    /** @return every parameter by its Hugging Face name */
    public Map<String, Parameter> namedParameters() {
        return network.namedParameters();
    }

    /** @return the device the weights live on */
    public Device device() {
        return manager.getDevice();
    }

    /** Frees the weights. */
    @Override
    public void close() {
        manager.close();
    }

    private void checkIds(NDArray ids) {
        Shape s = ids.getShape();
        if (s.dimension() != 2 || !ids.getDataType().isInteger()) {
            throw new IllegalArgumentException("input ids must be integer [B, T], got " + ids.getDataType() + " " + s);
        }
        if (s.get(1) > config().maxPositions() || s.get(1) < 1) {
            throw new IllegalArgumentException("sequence length " + s.get(1) + " is outside [1, "
                    + config().maxPositions() + "]");
        }
    }

    /** {@code input_ids.argmax(-1)}: the first position of each row's largest id. */
    private static long[] eosIndex(NDArray ids) {
        long[] flat = ids.toType(DataType.INT64, false).toLongArray();
        int rows = (int) ids.getShape().get(0);
        int length = (int) ids.getShape().get(1);
        long[] out = new long[rows];
        for (int b = 0; b < rows; b++) {
            long[] row = Arrays.copyOfRange(flat, b * length, (b + 1) * length);
            int best = 0;
            for (int i = 1; i < length; i++) {
                if (row[i] > row[best]) {
                    best = i;
                }
            }
            out[b] = best;
        }
        return out;
    }
}
