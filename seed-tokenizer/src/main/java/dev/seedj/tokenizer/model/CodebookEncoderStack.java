package dev.seedj.tokenizer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.LayerNorm;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.tokenizer.TokenizerConfig;

/**
 * The part of SEED's tokenizer that the inference model ({@link VisualTokenizerModel}) and the stage-2 training
 * network share, declared inline so its parameters keep the reference's top-level state-dict names:
 * <pre>
 * pixels -&gt; visual_encoder (EVA ViT) -&gt; ln_vision -&gt; causal Q-Former (query_tokens, Qformer.bert)
 *        -&gt; encode_task_layer -&gt; quantize -&gt; decode_task_layer
 * </pre>
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class CodebookEncoderStack extends SeedBlock {
    private final EvaVisionTransformer visualEncoder;
    private final LayerNorm lnVision;
    private final CausalQFormer qformer;
    private final TaskLayer encodeTaskLayer;
    private final VectorQuantizer quantize;
    private final TaskLayer decodeTaskLayer;

    /**
     * Declares every parameter with its shape; arrays are attached by a loader or initialiser.
     *
     * @param config the sizes
     */
    public CodebookEncoderStack(TokenizerConfig config) {
        TokenizerConfig.Vision v = config.vision();
        this.visualEncoder = declareChild("visual_encoder", new EvaVisionTransformer(config.imageSize(), v));
        this.lnVision = declareChild("ln_vision", new LayerNorm(v.width(), v.lnVisionEps()));
        this.qformer = declareChild("", new CausalQFormer(config.qformer(), v.width()));
        int hidden = config.qformer().hiddenSize();
        TokenizerConfig.Codebook c = config.codebook();
        this.encodeTaskLayer = declareChild("encode_task_layer", new TaskLayer(hidden, c.dim()));
        this.quantize = declareChild("quantize", new VectorQuantizer(c.size(), c.dim()));
        this.decodeTaskLayer = declareChild("decode_task_layer", new TaskLayer(c.dim(), hidden));
    }

    /**
     * Image to the causal Q-Former's last hidden state.
     *
     * @param pixels [B, 3, S, S], preprocessed
     * @param recorder receives {@code vit.*}, {@code ln_vision.out} and {@code qformer.*}
     * @return [B, Q, hidden]
     */
    public NDArray causalEmbeddings(NDArray pixels, StageRecorder recorder) {
        NDArray vision = visualEncoder.forward(pixels, recorder.scope("vit")); // [B, 1 + N, width]
        NDArray imageEmbeds = lnVision.forward(vision);
        recorder.record("ln_vision.out", imageEmbeds);
        return qformer.forward(imageEmbeds, recorder.scope("qformer")); // [B, Q, hidden]
    }

    /**
     * @param causal [B, Q, hidden]
     * @return {@code encode_task_layer}'s output z, [B, Q, codebook dim]
     */
    public NDArray encodeTask(NDArray causal) {
        return encodeTaskLayer.forward(causal);
    }

    /**
     * @param z [B, Q, codebook dim]
     * @return the nearest codes [B, Q] and the quantizer's {@code z + (e - z)}
     */
    public VectorQuantizer.Quantized quantize(NDArray z) {
        return quantize.forward(z);
    }

    /**
     * @param codes [B, Q] integers in {@code [0, codebook size)}
     * @return the codebook rows [B, Q, codebook dim], differentiable with respect to the codebook
     */
    public NDArray codebookEntry(NDArray codes) {
        return quantize.codebookEntry(codes);
    }

    /** @return the codebook parameter {@code quantize.embedding.weight} [K, D] */
    public Parameter codebook() {
        return quantize.namedParameters().get("embedding.weight");
    }

    /**
     * @param quantized [B, Q, codebook dim]
     * @return {@code decode_task_layer}'s output, [B, Q, hidden]
     */
    public NDArray decodeTask(NDArray quantized) {
        return decodeTaskLayer.forward(quantized);
    }
}
