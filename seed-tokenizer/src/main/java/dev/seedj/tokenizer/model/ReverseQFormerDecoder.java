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
 * cross-attend to the decoded codes ({@code Reverse_Qformer.bert}; no self-attention mask, except that the
 * reference makes exactly 32 tokens causal), then {@code distill_text_proj} to the text-encoder width (768).
 * Stage 2's text head ({@code distill_text} of {@code blip2_qformer_codebook_all_image.py}) is the same network
 * under {@code reverse_tokens_text} / {@code Reverse_Qformer_text.bert} with its own sizes (the name suffix
 * {@code _text}).
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
     * The inference decoder of a v1 tokenizer: {@code reverse_tokens}, {@code Reverse_Qformer.bert}.
     *
     * @param config a v1 config
     */
    public ReverseQFormerDecoder(TokenizerConfig config) {
        this(config, "", config.decoder().reverseQueryTokens(), config.decoder().reverseQformerLayers(),
                config.decoder().outputDim());
    }

    /**
     * @param config the tokenizer's sizes (Q-Former width and heads, decode blocks)
     * @param nameSuffix appended to {@code reverse_tokens} and {@code Reverse_Qformer}: empty for the inference
     *     decoder, {@code _text} for stage 2's text head
     * @param numTokens the Reverse Q-Former's queries, one output feature each
     * @param numLayers the Reverse Q-Former's layers
     * @param outputDim the width of each output feature ({@code distill_text_proj})
     */
    public ReverseQFormerDecoder(TokenizerConfig config, String nameSuffix, int numTokens, int numLayers,
            int outputDim) {
        TokenizerConfig.QFormer q = config.qformer();
        this.numTokens = numTokens;
        this.hiddenSize = q.hiddenSize();
        this.blocksText = declareChild("", DecodeBlocks.decoder("text", hiddenSize, q.numQueryTokens(),
                config.decoder()));
        this.reverseTokens = declareParameter("reverse_tokens" + nameSuffix, new Shape(1, numTokens, hiddenSize),
                ParameterInit.WEIGHT);
        this.reverseQformer = declareChild("Reverse_Qformer" + nameSuffix + ".bert", new QFormerModel(hiddenSize,
                numLayers, q.numHeads(), q.intermediateSize(), q.crossAttentionFreq(), hiddenSize, q.layerNormEps()));
        this.distillTextProj = declareChild("distill_text_proj", new Linear(hiddenSize, outputDim, true));
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
