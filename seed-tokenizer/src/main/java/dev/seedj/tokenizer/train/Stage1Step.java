package dev.seedj.tokenizer.train;

import ai.djl.ndarray.NDManager;
import dev.seedj.core.train.BertWordPieceTokenizer;
import dev.seedj.core.train.LossTerms;
import dev.seedj.core.train.TokenizedText;
import dev.seedj.core.train.TrainingStep;

/**
 * Stage 1's {@link TrainingStep}: captions tokenized ({@code padding="max_length"}, truncation), the
 * {@link Stage1Network} forward pass, and the contrastive loss {@code itc} (optimised), with {@code itc_i2t},
 * {@code itc_t2i} and the temperature {@code temp} logged.
 *
 * <p>Not thread-safe; the training loop calls it from one thread.
 */
public final class Stage1Step implements TrainingStep<TokenizerBatch> {
    private final Stage1Network network;
    private final BertWordPieceTokenizer tokenizer;

    /**
     * @param network the network (loaded)
     * @param tokenizer the text tokenizer; its ids must fit the network's word embedding
     * @throws IllegalArgumentException if the tokenizer's vocabulary is larger than the word embedding
     */
    public Stage1Step(Stage1Network network, BertWordPieceTokenizer tokenizer) {
        if (tokenizer.vocabSize() > network.options().vocabSize()) {
            throw new IllegalArgumentException("the text tokenizer has " + tokenizer.vocabSize()
                    + " tokens but the Q-Former word embedding only " + network.options().vocabSize() + " rows");
        }
        this.network = network;
        this.tokenizer = tokenizer;
    }

    @Override
    public LossTerms compute(TokenizerBatch batch, NDManager manager) {
        TokenizedText text = tokenizer.encode(batch.captions(), network.options().maxTextLength());
        Stage1Network.Output out = network.forward(batch.pixels(manager), text.inputIdsArray(manager),
                text.attentionMaskArray(manager));
        return new LossTerms()
                .add("itc", out.itc())
                .monitor("itc_i2t", out.imageToText())
                .monitor("itc_t2i", out.textToImage())
                .monitor("temp", manager.create(network.temperatureValue()));
    }
}
