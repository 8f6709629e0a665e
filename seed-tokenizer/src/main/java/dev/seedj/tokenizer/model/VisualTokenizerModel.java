package dev.seedj.tokenizer.model;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.weights.ComputeType;
import dev.seedj.core.weights.LibtorchOps;
import dev.seedj.tokenizer.TokenizerConfig;

/**
 * The whole SEED visual tokenizer network (v1 {@code SEEDVisualTokenizer}, v2 {@code Blip2QformerQuantizer}),
 * with the reference's state-dict names:
 * <pre>
 * pixels -&gt; visual_encoder (EVA ViT) -&gt; ln_vision -&gt; causal Q-Former (query_tokens, Qformer.bert)
 *        -&gt; encode_task_layer -&gt; quantize (codes) -&gt; decode_task_layer -&gt; decoder (v1 / v2)
 * </pre>
 * Stage names recorded: {@code vit.*}, {@code ln_vision.out}, {@code qformer.*},
 * {@code encode_task_layer.out}, {@code quantize.z_q}, {@code codes}, {@code decode_task_layer.out} and the
 * decoder's stages (see {@link #referenceForward}).
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class VisualTokenizerModel extends SeedBlock {

    /**
     * The encoder's output. The record is immutable; the arrays belong to the call's manager.
     *
     * @param causalEmbeddings [B, Q, hidden], the causal Q-Former's last hidden state
     * @param codes [B, Q] int64
     * @param quantized [B, Q, codebook dim], the quantizer's {@code z + (e - z)}
     */
    public record Encoded(NDArray causalEmbeddings, NDArray codes, NDArray quantized) {}

    private final TokenizerConfig config;
    private final CodebookEncoderStack encoder;
    private final GenerationDecoder decoder;

    /**
     * Declares every parameter with its shape; arrays are attached by a loader or initialiser.
     *
     * @param config the sizes
     */
    public VisualTokenizerModel(TokenizerConfig config) {
        this.config = config;
        this.encoder = declareChild("", new CodebookEncoderStack(config));
        this.decoder = declareChild("", switch (config.version()) {
            case V1 -> new ReverseQFormerDecoder(config);
            case V2 -> new UnclipEmbeddingDecoder(config);
        });
    }

    /** @return the config this network was built from */
    public TokenizerConfig config() {
        return config;
    }

    /**
     * Image to causal codes.
     *
     * @param pixels [B, 3, S, S], preprocessed
     * @param recorder receives the encoder's stages
     * @return the causal embeddings, codes and quantized vectors
     */
    public Encoded encode(NDArray pixels, StageRecorder recorder) {
        NDArray causal = encoder.causalEmbeddings(pixels, recorder); // [B, Q, hidden]
        NDArray z = encoder.encodeTask(causal); // [B, Q, codebook dim]
        recorder.record("encode_task_layer.out", z);
        VectorQuantizer.Quantized quantized = encoder.quantize(z);
        recorder.record("quantize.z_q", quantized.quantized());
        recorder.record("codes", quantized.codes());
        return new Encoded(causal, quantized.codes(), quantized.quantized());
    }

    /**
     * @return the type the loaded weight matrices compute in: {@link ComputeType#BFLOAT16} when the linear layers'
     *     matrices were loaded so (norms, attention, residual sums, the codebook side and every input and output stay
     *     float32 either way)
     */
    public ComputeType computeType() {
        boolean reduced = namedParameters().values().stream()
                .anyMatch(p -> p.isInitialized() && LibtorchOps.isBfloat16(p.getArray()));
        return reduced ? ComputeType.BFLOAT16 : ComputeType.FLOAT32;
    }

    /**
     * @param name a parameter name
     * @return whether it belongs to the layers after the vision transformer that decide the nearest code (the causal
     *     Q-Former, {@code encode_task_layer}, {@code quantize}), which a bfloat16 tokenizer keeps in float32: the
     *     codes are the argmin of distances whose gaps are often a fraction of a percent, and these layers are about 1%
     *     of the encoder's work (32 queries; the cross-attention projects the image tokens once per layer)
     */
    public static boolean keepsFloat32(String name) {
        return name.startsWith("Qformer.") || name.startsWith("encode_task_layer.") || name.startsWith("quantize.");
    }

    /**
     * Quantized vectors to generation embeddings.
     *
     * @param quantized [B, Q, codebook dim]
     * @param recorder receives {@code decode_task_layer.out} and the decoder's stages
     * @return [B, N, D]
     */
    public NDArray decode(NDArray quantized, StageRecorder recorder) {
        NDArray decoded = encoder.decodeTask(quantized); // [B, Q, hidden]
        recorder.record("decode_task_layer.out", decoded);
        return decoder.forward(decoded, recorder);
    }

    /**
     * Codes to generation embeddings, through the exact codebook rows.
     *
     * @param codes [B, Q] integers in {@code [0, codebook size)}
     * @param recorder receives {@code quant_embedding} and the stages of {@link #decode}
     * @return [B, N, D]
     */
    public NDArray detokenize(NDArray codes, StageRecorder recorder) {
        NDArray rows = encoder.codebookEntry(codes); // [B, Q, codebook dim]
        recorder.record("quant_embedding", rows);
        return decode(rows, recorder);
    }

    /**
     * The reference's end-to-end pipeline, recording the stages under the fixture names: v1
     * {@code SEEDVisualTokenizer.predict} (encode, then decode from the quantizer's output); v2
     * {@code get_codebook_indices} (encode and {@code decode_task_layer.out}) followed by
     * {@code get_codebook_entry(codes)} under {@code entry.*}.
     *
     * @param pixels [B, 3, S, S]
     * @param recorder receives every stage
     * @return the generation embeddings [B, N, D]
     */
    public NDArray referenceForward(NDArray pixels, StageRecorder recorder) {
        Encoded encoded = encode(pixels, recorder);
        if (config.version() == TokenizerConfig.Version.V1) {
            return decode(encoded.quantized(), recorder);
        }
        recorder.record("decode_task_layer.out", encoder.decodeTask(encoded.quantized()));
        return detokenize(encoded.codes(), recorder.scope("entry"));
    }
}
