package dev.seedj.tokenizer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.train.Gradients;
import dev.seedj.tokenizer.TokenizerConfig;
import dev.seedj.tokenizer.model.CodebookEncoderStack;
import dev.seedj.tokenizer.model.DecodeBlocks;
import dev.seedj.tokenizer.model.ReverseQFormerDecoder;
import dev.seedj.tokenizer.model.StageRecorder;
import dev.seedj.tokenizer.model.UnclipEmbeddingDecoder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stage-2 training network of SEED's tokenizer ({@code Blip2QformerCodebookAllImage}), with the reference's
 * state-dict names:
 * <pre>
 * pixels -&gt; visual_encoder -&gt; ln_vision -&gt; causal Q-Former (frozen, no gradient)        = q  [B, Q, H]
 * q -&gt; encode_task_layer = z -&gt; quantize: z_q = codebook[argmin |z - e|], quant = z + sg(z_q - z)
 * quant -&gt; decode_task_layer = up [B, Q, H]
 * up -&gt; pos_embed + blocks            = recon,  loss 1 - cos(recon, q)
 * up -&gt; v2 image head (image_down ...) = [B, F], MSE to the unCLIP image embedding      (optional)
 * up -&gt; v1 text head (Reverse Q-Former) = [B, 77, D], MSE to the SD text features      (optional)
 * </pre>
 * The vision encoder, {@code ln_vision}, {@code query_tokens} and {@code Qformer.*} are frozen; everything else is
 * returned by {@link #trainableParameters()}.
 *
 * <p>Not thread-safe while training; forward passes only read parameters.
 */
public final class Stage2Network extends SeedBlock {

    /**
     * One forward pass.
     *
     * @param codes [B, Q] int64 chosen codes
     * @param z [B, Q, D] encoder outputs before quantization
     * @param vq the unweighted quantizer loss, []
     * @param recon the unweighted reconstruction loss, []
     * @param distillImage the unweighted image-head MSE, [] (null without that head)
     * @param distillText the unweighted text-head MSE, [] (null without that head)
     * @param stages the named activations (the oracle's {@code fwd.*} names)
     */
    public record Output(NDArray codes, NDArray z, NDArray vq, NDArray recon, NDArray distillImage,
            NDArray distillText, Map<String, NDArray> stages) {}

    private static final String[] FROZEN = {"visual_encoder.", "ln_vision.", "query_tokens", "Qformer."};

    private final TokenizerConfig config;
    private final Stage2Options options;
    private final CodebookEncoderStack encoder;
    private final DecodeBlocks reconstruction;
    private final UnclipEmbeddingDecoder imageHead;
    private final ReverseQFormerDecoder textHead;

    /**
     * @param config the tokenizer's sizes (a v2 config: its decoder section sizes the image head and the blocks)
     * @param options which heads exist
     */
    public Stage2Network(TokenizerConfig config, Stage2Options options) {
        this.config = config;
        this.options = options;
        TokenizerConfig.QFormer q = config.qformer();
        this.encoder = declareChild("", new CodebookEncoderStack(config));
        this.reconstruction = declareChild("", DecodeBlocks.reconstruction(q.hiddenSize(), q.numQueryTokens(),
                config.decoder()));
        this.imageHead = options.imageHead() ? declareChild("", new UnclipEmbeddingDecoder(config)) : null;
        this.textHead = options.textHead().isPresent()
                ? declareChild("", textHead(config, options.textHead().get()))
                : null;
    }

    /** Stage 2's text head: the v1 decoder under {@code reverse_tokens_text} / {@code Reverse_Qformer_text}. */
    private static ReverseQFormerDecoder textHead(TokenizerConfig config, Stage2Options.TextHead head) {
        return new ReverseQFormerDecoder(config, "_text", head.numTokens(), head.numLayers(), head.featureDim());
    }

    /** @return the tokenizer sizes */
    public TokenizerConfig config() {
        return config;
    }

    /** @return the heads and loss weights */
    public Stage2Options options() {
        return options;
    }

    /** @return the codebook parameter {@code quantize.embedding.weight} [K, D] */
    public Parameter codebook() {
        return encoder.codebook();
    }

    /** @return every parameter stage 2 trains, by state-dict name (all but the encoder and the Q-Former) */
    public Map<String, Parameter> trainableParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        namedParameters().forEach((name, p) -> {
            if (!isFrozen(name)) {
                out.put(name, p);
            }
        });
        return out;
    }

    private static boolean isFrozen(String name) {
        for (String prefix : FROZEN) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The frozen part: image to causal Q-Former output, computed without autograd.
     *
     * @param pixels [B, 3, S, S]
     * @return [B, Q, H]
     */
    public NDArray causalEmbeddings(NDArray pixels) {
        return Gradients.withoutGrad(() -> encoder.causalEmbeddings(pixels, StageRecorder.NONE)); // [B, Q, H]
    }

    /**
     * The reference forward pass with every loss unweighted (weights are applied by {@link Stage2Step}).
     *
     * @param pixels [B, 3, S, S]
     * @param imageTargets [B, F] unCLIP image embeddings, or null without the image head
     * @param textTargets [B, T, D] text features, or null without the text head
     * @return the losses, codes and activations
     * @throws IllegalArgumentException if a head's targets are missing
     */
    public Output forward(NDArray pixels, NDArray imageTargets, NDArray textTargets) {
        if (imageHead != null && imageTargets == null) {
            throw new IllegalArgumentException("the image head needs image targets");
        }
        if (textHead != null && textTargets == null) {
            throw new IllegalArgumentException("the text head needs text targets");
        }
        Map<String, NDArray> stages = new LinkedHashMap<>();
        NDArray q = causalEmbeddings(pixels); // [B, Q, H]
        stages.put("qformer_last_hidden", q);
        NDArray z = encoder.encodeTask(q); // [B, Q, D]
        stages.put("z", z);
        NDArray codes = Gradients.withoutGrad(() -> encoder.quantize(z.stopGradient()).codes()); // [B, Q]
        NDArray zq = encoder.codebookEntry(codes); // [B, Q, D], gradient to the codebook rows
        NDArray vq = TokenizerLosses.vectorQuantization(z, zq, options.beta());
        NDArray quant = z.add(zq.sub(z).stopGradient()); // straight-through
        stages.put("quant", quant);
        NDArray up = encoder.decodeTask(quant); // [B, Q, H]
        stages.put("query_output_up", up);
        NDArray recon = reconstruction.forward(up);
        stages.put("recon_s", recon);
        NDArray reconLoss = TokenizerLosses.reconstruction(recon, q);
        NDArray imageLoss = null;
        if (imageHead != null) {
            // the head frees its intermediates as it goes: a recorder copies what it keeps
            NDArray predicted = imageHead.forward(up, (stage, value) -> stages.put(stage, value.duplicate()));
            long batch = predicted.getShape().get(0);
            NDArray flat = predicted.reshape(batch, -1); // [B, F]
            stages.put("reverse_output_proj", flat);
            imageLoss = TokenizerLosses.mse(flat, imageTargets);
        }
        NDArray textLoss = null;
        if (textHead != null) {
            NDArray predicted = textHead.forward(up, StageRecorder.NONE); // [B, T, D]
            stages.put("reverse_output_text_proj", predicted);
            textLoss = TokenizerLosses.mse(predicted, textTargets);
        }
        return new Output(codes, z, vq, reconLoss, imageLoss, textLoss, stages);
    }
}
