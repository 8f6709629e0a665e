package dev.seedj.tokenizer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.ParameterInit;
import dev.seedj.tokenizer.TokenizerConfig;

/**
 * SEED v1's decoder to Stable Diffusion text conditioning: the decode blocks ({@code pos_embed_text},
 * {@code blocks_text}), then a bidirectional Reverse Q-Former whose learned {@code reverse_tokens} (77)
 * cross-attend to the decoded codes ({@code Reverse_Qformer.bert}; no self-attention mask, except that the reference makes exactly 32 tokens causal), then
 * {@code distill_text_proj} to the text-encoder width (768).
 *
 * <p>State-dict names sit at the tokenizer's top level. Forward passes only read parameters and are safe
 * to run concurrently once loaded.
 */
public final class ReverseQFormerDecoder extends GenerationDecoder {
    private final int numTokens;
    private final int hiddenSize;
    private final DecodeBlocks blocksText;
    private final Parameter reverseTokens;
    private final QFormerModel reverseQformer;
    private final Linear distillTextProj;

    /**
     * @param config a v1 config
     */
    public ReverseQFormerDecoder(TokenizerConfig config) {
        TokenizerConfig.QFormer q = config.qformer();
        TokenizerConfig.Decoder d = config.decoder();
        this.numTokens = d.reverseQueryTokens();
        this.hiddenSize = q.hiddenSize();
        this.blocksText = declareChild("", new DecodeBlocks("text", hiddenSize, q.numQueryTokens(), d));
        this.reverseTokens = declareParameter("reverse_tokens", new Shape(1, numTokens, hiddenSize), ParameterInit.WEIGHT);
        this.reverseQformer = declareChild("Reverse_Qformer.bert", new QFormerModel(hiddenSize,
                d.reverseQformerLayers(), q.numHeads(), q.intermediateSize(), q.crossAttentionFreq(), hiddenSize,
                q.layerNormEps()));
        this.distillTextProj = declareChild("distill_text_proj", new Linear(hiddenSize, d.outputDim(), true));
    }

    /**
     * @param decoded [B, Q, hidden]
     * @param recorder receives {@code blocks_text.*}, {@code reverse_qformer.*} and {@code generation_embeds}
     * @return [B, reverse tokens, output dim]
     */
    @Override
    public NDArray forward(NDArray decoded, StageRecorder recorder) {
        NDArray codes = blocksText.forward(decoded, recorder); // [B, Q, hidden]
        long batch = codes.getShape().get(0);
        NDArray tokens = ArrayScopes.adopt(
                reverseTokens.getArray().broadcast(new Shape(batch, numTokens, hiddenSize)), codes);
        NDArray mask = CausalQFormer.selfAttentionMask(codes.getManager(), numTokens); // null for 77 tokens
        NDArray reversed = reverseQformer.forward(tokens, codes, mask, recorder.scope("reverse_qformer"));
        NDArray embeds = distillTextProj.forward(reversed); // [B, R, output]
        recorder.record("generation_embeds", embeds);
        return embeds;
    }
}
