package dev.seedj.tokenizer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.ParameterInit;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.tokenizer.TokenizerConfig;
import dev.seedj.tokenizer.model.CausalQFormer;
import dev.seedj.tokenizer.model.DecodeBlocks;
import dev.seedj.tokenizer.model.QFormerModel;
import dev.seedj.tokenizer.model.StageRecorder;

/**
 * Stage 2's text generation head ({@code distill_text} of {@code blip2_qformer_codebook_all_image.py}, the v1
 * decoder): {@code pos_embed_text} + {@code blocks_text}, then a bidirectional Reverse Q-Former whose learned
 * {@code reverse_tokens_text} cross-attend to the blocks' output ({@code Reverse_Qformer_text.bert}, query
 * feed-forward only), then {@code distill_text_proj} to the text-encoder width. Names sit at the model's top level,
 * so declare this block inline.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class TextDistillationHead extends SeedBlock {
    private final int numTokens;
    private final int hiddenSize;
    private final DecodeBlocks blocksText;
    private final Parameter reverseTokens;
    private final QFormerModel reverseQformer;
    private final Linear distillTextProj;

    /**
     * @param config the tokenizer's sizes (Q-Former width, decode blocks)
     * @param head the head's own sizes
     */
    public TextDistillationHead(TokenizerConfig config, Stage2Options.TextHead head) {
        TokenizerConfig.QFormer q = config.qformer();
        this.numTokens = head.numTokens();
        this.hiddenSize = q.hiddenSize();
        this.blocksText = declareChild("", new DecodeBlocks("text", hiddenSize, q.numQueryTokens(), config.decoder()));
        this.reverseTokens = declareParameter("reverse_tokens_text", new Shape(1, numTokens, hiddenSize),
                ParameterInit.WEIGHT);
        this.reverseQformer = declareChild("Reverse_Qformer_text.bert", new QFormerModel(hiddenSize,
                head.numLayers(), q.numHeads(), q.intermediateSize(), q.crossAttentionFreq(), hiddenSize,
                q.layerNormEps()));
        this.distillTextProj = declareChild("distill_text_proj", new Linear(hiddenSize, head.featureDim(), true));
    }

    /**
     * @param decoded [B, Q, hidden], the decode task layer's output
     * @return the predicted text features [B, numTokens, featureDim]
     */
    public NDArray forward(NDArray decoded) {
        NDArray codes = blocksText.forward(decoded, StageRecorder.NONE); // [B, Q, hidden]
        long batch = codes.getShape().get(0);
        NDArray tokens = reverseTokens.getArray().broadcast(new Shape(batch, numTokens, hiddenSize));
        tokens.attach(codes.getManager()); // a per-call view of a parameter
        NDArray mask = CausalQFormer.selfAttentionMask(codes.getManager(), numTokens); // as the inference decoder
        NDArray reversed = reverseQformer.forward(tokens, codes, mask, StageRecorder.NONE); // [B, R, hidden]
        return distillTextProj.forward(reversed); // [B, R, featureDim]
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(inputs.singletonOrThrow()));
    }
}
