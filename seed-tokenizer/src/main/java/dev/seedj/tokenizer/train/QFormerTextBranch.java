package dev.seedj.tokenizer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.seedj.core.nn.ActivationFunction;
import dev.seedj.core.nn.Embedding;
import dev.seedj.core.nn.LayerNorm;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.tokenizer.model.BertAttention;
import dev.seedj.tokenizer.model.CausalQFormer;
import dev.seedj.tokenizer.model.QFormerModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The text half of the Q-Former's BERT ({@code Qformer.bert(input_ids, attention_mask)} in stage 1), which the
 * tokenizer drops at inference: word and absolute position embeddings ({@code embeddings.word_embeddings},
 * {@code embeddings.position_embeddings}), the shared {@code embeddings.LayerNorm}, then per layer the shared
 * self-attention ({@code encoder.layer.N.attention}, bidirectional with the padding mask {@code (1 - m) * -10000}),
 * no cross-attention, and the text feed-forward
 * {@code output.LayerNorm(output.dense(gelu(intermediate.dense(x))) + x)}.
 *
 * <p>Declare it under {@code Qformer.bert}, beside the query half it shares the LayerNorm and attention weights with.
 * Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class QFormerTextBranch extends SeedBlock {
    private final Embedding wordEmbeddings;
    private final Embedding positionEmbeddings;
    private final LayerNorm embeddingsNorm;
    private final List<BertAttention> attention = new ArrayList<>();
    private final List<Linear> intermediate = new ArrayList<>();
    private final List<Linear> output = new ArrayList<>();
    private final List<LayerNorm> outputNorm = new ArrayList<>();

    /**
     * @param queryHalf the causal Q-Former whose {@code Qformer.bert} this branch completes
     * @param vocabSize rows of the word embedding (BERT's 30522 + {@code [DEC]})
     * @param maxPositions rows of the position embedding (512)
     * @param intermediateSize the text feed-forward width
     */
    public QFormerTextBranch(CausalQFormer queryHalf, int vocabSize, int maxPositions, int intermediateSize) {
        QFormerModel bert = (QFormerModel) queryHalf.namedChildren().get("Qformer.bert");
        this.embeddingsNorm = (LayerNorm) bert.namedChildren().get("embeddings.LayerNorm");
        int width = (int) bert.declaredShapes().get("embeddings.LayerNorm.weight").get(0);
        float eps = embeddingsNorm.eps();
        this.wordEmbeddings = declareChild("embeddings.word_embeddings", new Embedding(vocabSize, width));
        this.positionEmbeddings = declareChild("embeddings.position_embeddings", new Embedding(maxPositions, width));
        for (int i = 0; bert.namedChildren().containsKey("encoder.layer." + i); i++) {
            SeedBlock layer = bert.namedChildren().get("encoder.layer." + i);
            attention.add((BertAttention) layer.namedChildren().get("attention"));
            String prefix = "encoder.layer." + i + ".";
            intermediate.add(declareChild(prefix + "intermediate.dense", new Linear(width, intermediateSize, true)));
            output.add(declareChild(prefix + "output.dense", new Linear(intermediateSize, width, true)));
            outputNorm.add(declareChild(prefix + "output.LayerNorm", new LayerNorm(width, eps)));
        }
    }

    /** @return rows of the position embedding: the longest text this branch reads */
    public long maxPositions() {
        return positionEmbeddings.numEmbeddings();
    }

    /**
     * @param inputIds [B, L] int64 token ids
     * @param attentionMask [B, L] 1 for tokens, 0 for padding
     * @return the last hidden state [B, L, hidden]; the text feature is position 0 ({@code [CLS]})
     * @throws IllegalArgumentException if the text is longer than the position table or an id is out of range
     */
    public NDArray forward(NDArray inputIds, NDArray attentionMask) {
        long length = inputIds.getShape().get(1);
        if (length > maxPositions()) {
            throw new IllegalArgumentException("text of " + length + " tokens is longer than the " + maxPositions()
                    + " position embeddings");
        }
        NDArray positions = inputIds.getManager().arange(0, (int) length, 1, DataType.INT64); // [L]
        NDArray x = wordEmbeddings.forward(inputIds).add(positionEmbeddings.forward(positions)); // [B, L, hidden]
        x = embeddingsNorm.forward(x);
        long batch = inputIds.getShape().get(0);
        NDArray mask = attentionMask.toType(DataType.FLOAT32, false).neg().add(1f).mul(CausalQFormer.MASKED)
                .reshape(batch, 1, 1, length); // [B, 1, 1, L]
        for (int i = 0; i < attention.size(); i++) {
            x = attention.get(i).forward(x, null, mask);
            NDArray inner = ActivationFunction.GELU.apply(intermediate.get(i).forward(x)); // [B, L, intermediate]
            x = outputNorm.get(i).forward(output.get(i).forward(inner).add(x));
        }
        return x;
    }
}
