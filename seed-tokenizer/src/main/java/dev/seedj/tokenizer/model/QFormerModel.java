package dev.seedj.tokenizer.model;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.LayerNorm;
import dev.seedj.core.nn.SeedBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The Q-Former's BERT trunk ({@code Qformer.bert} / {@code Reverse_Qformer.bert}) run on query embeddings
 * only: {@code embeddings.LayerNorm} (no word or position embeddings), then {@code encoder.layer.N}
 * ({@link QFormerLayer}), where layer {@code i} cross-attends to the encoder sequence when
 * {@code i % crossAttentionFreq == 0}.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class QFormerModel extends SeedBlock {
    private final LayerNorm embeddingsNorm;
    private final List<QFormerLayer> layers = new ArrayList<>();

    /**
     * @param hiddenSize width
     * @param numLayers layers
     * @param numHeads attention heads
     * @param intermediateSize feed-forward width
     * @param crossAttentionFreq cross-attention every this many layers, from layer 0
     * @param encoderWidth width of the sequence cross-attention reads
     * @param eps every LayerNorm's epsilon
     */
    public QFormerModel(int hiddenSize, int numLayers, int numHeads, int intermediateSize, int crossAttentionFreq,
            int encoderWidth, float eps) {
        this.embeddingsNorm = declareChild("embeddings.LayerNorm", new LayerNorm(hiddenSize, eps));
        for (int i = 0; i < numLayers; i++) {
            int crossWidth = i % crossAttentionFreq == 0 ? encoderWidth : 0;
            layers.add(declareChild("encoder.layer." + i,
                    new QFormerLayer(hiddenSize, numHeads, intermediateSize, crossWidth, eps)));
        }
    }

    /**
     * @param queryEmbeds [B, Q, hidden]
     * @param encoderStates [B, T, encoderWidth]
     * @param selfMask additive self-attention mask broadcastable to [B, H, Q, Q], or null for none
     * @param recorder receives {@code embeddings_out}, {@code layer<i>} and {@code last_hidden_state}
     * @return the last hidden state [B, Q, hidden]
     */
    public NDArray forward(NDArray queryEmbeds, NDArray encoderStates, NDArray selfMask, StageRecorder recorder) {
        NDArray x = embeddingsNorm.forward(queryEmbeds);
        recorder.record("embeddings_out", x);
        List<UnaryOperator<NDArray>> steps = new ArrayList<>();
        for (QFormerLayer layer : layers) {
            steps.add(h -> layer.forward(h, encoderStates, selfMask));
        }
        NDArray out = ArrayScopes.chain(x, steps, (h, i) -> recorder.record("layer" + i, h), encoderStates);
        recorder.record("last_hidden_state", out);
        return out;
    }
}
