package dev.seedj.diffusion.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.seedj.core.nn.Embedding;
import dev.seedj.core.nn.LayerNorm;
import dev.seedj.core.nn.SeedBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code CLIPTextTransformer} under the name {@code text_model}: {@code embeddings.{token_embedding,
 * position_embedding}}, {@code encoder.layers.N}, {@code final_layer_norm}. The root block's parameter names are the
 * Hugging Face {@code CLIPTextModel} state-dict keys.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
final class ClipTextTransformer extends SeedBlock {
    /** The root of the name tree: {@code text_model.*}. */
    static final class Root extends SeedBlock {
        private final ClipTextTransformer textModel;

        Root(ClipTextConfig config) {
            this.textModel = declareChild("text_model", new ClipTextTransformer(config));
        }

        ClipTextTransformer textModel() {
            return textModel;
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            return textModel.forwardInternal(ps, inputs, training, params);
        }
    }

    /** {@code text_model.embeddings}. */
    static final class Embeddings extends SeedBlock {
        private final Embedding tokenEmbedding;
        private final Embedding positionEmbedding;

        Embeddings(ClipTextConfig config) {
            this.tokenEmbedding = declareChild("token_embedding", new Embedding(config.vocabSize(), config.hiddenSize()));
            this.positionEmbedding = declareChild("position_embedding",
                    new Embedding(config.maxPositions(), config.hiddenSize()));
        }

        /**
         * @param ids int64 [B, T]
         * @return token + position embeddings [B, T, hidden]
         */
        NDArray forward(NDArray ids) {
            long length = ids.getShape().get(1);
            NDArray positions = ids.getManager().arange(0, length, 1, ai.djl.ndarray.types.DataType.INT64); // [T]
            return tokenEmbedding.forward(ids).add(positionEmbedding.forward(positions).expandDims(0));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            return new NDList(forward(inputs.singletonOrThrow()));
        }
    }

    /** {@code text_model.encoder}: its {@code layers.N}. */
    static final class Encoder extends SeedBlock {
        private final List<ClipEncoderLayer> layers = new ArrayList<>();

        Encoder(ClipTextConfig config) {
            for (int i = 0; i < config.numLayers(); i++) {
                layers.add(declareChild("layers." + i, new ClipEncoderLayer(config)));
            }
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDArray h = inputs.get(0);
            for (ClipEncoderLayer layer : layers) {
                h = layer.forward(h, inputs.get(1));
            }
            return new NDList(h);
        }
    }

    private final ClipTextConfig config;
    private final Embeddings embeddings;
    private final Encoder encoder;
    private final LayerNorm finalLayerNorm;

    ClipTextTransformer(ClipTextConfig config) {
        this.config = config;
        this.embeddings = declareChild("embeddings", new Embeddings(config));
        this.encoder = declareChild("encoder", new Encoder(config));
        this.finalLayerNorm = declareChild("final_layer_norm", new LayerNorm(config.hiddenSize(), config.layerNormEps()));
    }

    /**
     * The hidden states of the first {@code layers} layers.
     *
     * @param ids int64 [B, T], T &lt;= max positions
     * @param layers how many encoder layers to run, 1 .. L
     * @return {@code layers + 1} arrays [B, T, hidden]: the embeddings, then each layer's output (before the final
     *     LayerNorm)
     */
    List<NDArray> hiddenStates(NDArray ids, int layers) {
        NDManager manager = ids.getManager();
        long length = ids.getShape().get(1);
        NDArray mask = causalMask(length, manager); // [1, 1, T, T]
        List<NDArray> states = new ArrayList<>();
        NDArray h = embeddings.forward(ids); // [B, T, hidden]
        states.add(h);
        for (int i = 0; i < layers; i++) {
            h = encoder.layers.get(i).forward(h, mask);
            states.add(h);
        }
        return states;
    }

    /**
     * @param h [B, T, hidden]
     * @return {@code final_layer_norm(h)}
     */
    NDArray finalLayerNorm(NDArray h) {
        return finalLayerNorm.forward(h);
    }

    /** @return the config */
    ClipTextConfig config() {
        return config;
    }

    /** HF's causal mask: 0 where a token may attend (itself and earlier tokens), float-min above the diagonal. */
    private static NDArray causalMask(long length, NDManager manager) {
        float[] mask = new float[(int) (length * length)];
        for (int q = 0; q < length; q++) {
            for (int k = q + 1; k < length; k++) {
                mask[(int) (q * length + k)] = -Float.MAX_VALUE;
            }
        }
        return manager.create(mask, new Shape(1, 1, length, length));
    }
}
