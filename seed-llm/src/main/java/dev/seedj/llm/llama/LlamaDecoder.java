package dev.seedj.llm.llama;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.Embedding;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.SeedBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code LlamaModel} of transformers (the decoder under {@code model.}): {@code embed_tokens}, the decoder
 * layers {@code layers.N} and the final {@code norm}. Positions enter only through the rotary embeddings.
 *
 * <p>Forward passes only read parameters and may run concurrently, each with its own cache.
 */
final class LlamaDecoder extends SeedBlock {
    /** The decoder's state-dict prefix in {@code LlamaForCausalLM}. */
    static final String PREFIX = "model";

    private final Embedding embedTokens;
    private final List<LlamaDecoderLayer> layers = new ArrayList<>();
    private final LlamaRmsNorm norm;

    /** @param config the architecture */
    LlamaDecoder(LlamaConfig config) {
        this.embedTokens = declareChild("embed_tokens", new Embedding(config.vocabSize(), config.hiddenSize()));
        for (int i = 0; i < config.numLayers(); i++) {
            layers.add(declareChild("layers." + i, new LlamaDecoderLayer(config)));
        }
        this.norm = declareChild("norm", new LlamaRmsNorm(config.hiddenSize(), config.rmsNormEps()));
    }

    /**
     * @param ids int64 [B, T]
     * @param cos rotary cos rows [B, 1, T, head_dim]
     * @param sin rotary sin rows [B, 1, T, head_dim]
     * @param mask additive mask [B, 1, T, past + T], or null when nothing is masked
     * @param cache extended with every layer's keys and values, or null
     * @param states if not null, receives Hugging Face's {@code hidden_states}: the embeddings, then each
     *     layer's output, the last one replaced by the normed output (intermediates are then kept to the end)
     * @return the last hidden state after {@code norm}, [B, T, hidden]
     */
    NDArray forward(NDArray ids, NDArray cos, NDArray sin, NDArray mask, KvCache cache, List<NDArray> states) {
        NDArray h = embedTokens.forward(ids); // [B, T, hidden]
        NDArray[] borrowed = mask == null ? new NDArray[] {cos, sin} : new NDArray[] {cos, sin, mask};
        for (int i = 0; i < layers.size(); i++) {
            LlamaDecoderLayer layer = layers.get(i);
            int index = i;
            if (states != null) {
                states.add(h);
                h = layer.forward(h, cos, sin, mask, cache, index);
            } else {
                // each layer's intermediates are freed as soon as it is done (not while autograd records)
                h = ArrayScopes.layer(h, x -> layer.forward(x, cos, sin, mask, cache, index), borrowed);
            }
        }
        NDArray out = norm.forward(h); // [B, T, hidden]
        if (states != null) {
            states.add(out);
        }
        return out;
    }

    /** @return the token embeddings, [vocab, hidden] */
    Embedding embedTokens() {
        return embedTokens;
    }

    /** @return the decoder layers, in order */
    List<LlamaDecoderLayer> layers() {
        return List.copyOf(layers);
    }

    /** @return the final norm, {@code norm} */
    LlamaRmsNorm norm() {
        return norm;
    }
}
