package dev.seedj.tokenizer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;
import dev.seedj.core.nn.GraphConstants;
import dev.seedj.core.nn.LayerNorm;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.train.Gradients;
import dev.seedj.tokenizer.TokenizerConfig;
import dev.seedj.tokenizer.model.CausalQFormer;
import dev.seedj.tokenizer.model.EvaVisionTransformer;
import dev.seedj.tokenizer.model.StageRecorder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stage-1 training network of SEED's tokenizer ({@code Blip2QformerCasual}, contrastive loss only), with the
 * reference's state-dict names:
 * <pre>
 * image -&gt; visual_encoder (frozen by default) -&gt; ln_vision -&gt; causal Q-Former         = q [B, 32, H]
 * image feature = normalize(vision_proj(q))[:, -1]     (the LAST causal query)      [B, E]
 * text  -&gt; Qformer.bert text branch -&gt; [CLS] -&gt; normalize(text_proj(.))             [B, E]
 * sim = image . text^T / temp;  loss = (CE(sim) + CE(sim^T)) / 2, label smoothing 0.1
 * </pre>
 * {@code temp} is a 0-d parameter, not clamped unless {@link Stage1Options#clampTemperature()} asks for it. {@code Qformer.cls.*} (the unused MLM head) is not part of this
 * network.
 *
 * <p>Not thread-safe while training; forward passes only read parameters.
 */
public final class Stage1Network extends SeedBlock {

    /**
     * One forward pass.
     *
     * @param itc the contrastive loss (mean of the two directions), []
     * @param imageToText the image-to-text cross-entropy, []
     * @param textToImage the text-to-image cross-entropy, []
     * @param stages named activations (the oracle's {@code fwd.*} names)
     */
    public record Output(NDArray itc, NDArray imageToText, NDArray textToImage, Map<String, NDArray> stages) {}

    private final Stage1Options options;
    private final EvaVisionTransformer visualEncoder;
    private final LayerNorm lnVision;
    private final CausalQFormer qformer;
    private final QFormerTextBranch text;
    private final Linear visionProj;
    private final Linear textProj;
    private final Parameter temp;

    /**
     * @param config the vision tower and Q-Former sizes (the codebook and decoder sections are not used)
     * @param options the text branch and projection sizes
     */
    public Stage1Network(TokenizerConfig config, Stage1Options options) {
        this.options = options;
        TokenizerConfig.Vision v = config.vision();
        TokenizerConfig.QFormer q = config.qformer();
        this.visualEncoder = declareChild("visual_encoder", new EvaVisionTransformer(config.imageSize(), v));
        this.lnVision = declareChild("ln_vision", new LayerNorm(v.width(), v.lnVisionEps()));
        this.qformer = declareChild("", new CausalQFormer(q, v.width()));
        this.text = declareChild("Qformer.bert", new QFormerTextBranch(qformer, options.vocabSize(),
                options.maxPositions(), q.intermediateSize()));
        this.visionProj = declareChild("vision_proj", new Linear(q.hiddenSize(), options.embedDim(), true));
        this.textProj = declareChild("text_proj", new Linear(q.hiddenSize(), options.embedDim(), true));
        this.temp = declareParameter("temp", new Shape(), new ConstantInitializer(0.07f));
    }

    /** @return the stage-1 options */
    public Stage1Options options() {
        return options;
    }

    /** @return the learnable temperature {@code temp}, 0-d */
    public Parameter temperature() {
        return temp;
    }

    /** @return the current value of {@code temp} (read without creating arrays) */
    public float temperatureValue() {
        return temp.getArray().toFloatArray()[0];
    }

    /** @return every parameter stage 1 trains: all but the vision encoder unless it is trainable */
    public Map<String, Parameter> trainableParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        namedParameters().forEach((name, p) -> {
            if (options.trainVisionEncoder() || !name.startsWith("visual_encoder.")) {
                out.put(name, p);
            }
        });
        return out;
    }

    /**
     * @param pixels [B, 3, S, S]
     * @param inputIds [B, L] int64 caption tokens ({@code [CLS] ... [SEP] [PAD]...})
     * @param attentionMask [B, L] 1 for tokens, 0 for padding
     * @return the losses and activations
     */
    public Output forward(NDArray pixels, NDArray inputIds, NDArray attentionMask) {
        Map<String, NDArray> stages = new LinkedHashMap<>();
        if (options.clampTemperature()) {
            float value = temperatureValue();
            float clamped = Math.min(Math.max(value, 0.001f), 0.5f);
            if (clamped != value) {
                Gradients.withoutGrad(() -> {
                    temp.getArray().muli(0f).addi(clamped); // in place: the parameter keeps its identity
                    return null;
                });
            }
        }
        NDArray vision = options.trainVisionEncoder()
                ? visualEncoder.forward(pixels, StageRecorder.NONE)
                : Gradients.withoutGrad(() -> visualEncoder.forward(pixels, StageRecorder.NONE)); // [B, 1 + N, C]
        NDArray imageEmbeds = lnVision.forward(vision);
        stages.put("image_embeds", imageEmbeds);
        NDArray queries = qformer.forward(imageEmbeds, StageRecorder.NONE); // [B, Q, H]
        stages.put("query_output", queries);
        NDArray projected = visionProj.forward(queries.get(new NDIndex(":, -1, :"))); // [B, E], the last query
        stages.put("vision_proj_last", projected);
        NDArray imageFeat = normalize(projected);
        NDArray textHidden = text.forward(inputIds, attentionMask); // [B, L, H]
        stages.put("text_last_hidden", textHidden);
        NDArray textProjected = textProj.forward(textHidden.get(new NDIndex(":, 0, :"))); // [B, E], [CLS]
        stages.put("text_proj", textProjected);
        NDArray textFeat = normalize(textProjected);
        NDArray t = temp.getArray();
        NDArray simI2t = imageFeat.matMul(textFeat.transpose()).div(t); // [B, B]
        NDArray simT2i = textFeat.matMul(imageFeat.transpose()).div(t); // [B, B]
        stages.put("sim_i2t", simI2t);
        stages.put("sim_t2i", simT2i);
        NDArray i2t = TokenizerLosses.diagonalCrossEntropy(simI2t, options.labelSmoothing());
        NDArray t2i = TokenizerLosses.diagonalCrossEntropy(simT2i, options.labelSmoothing());
        return new Output(GraphConstants.times(i2t.add(t2i), 0.5), i2t, t2i, stages);
    }

    /** {@code F.normalize(x, dim=-1)}: {@code x / max(|x|, 1e-12)}. */
    private static NDArray normalize(NDArray x) {
        NDArray norm = x.square().sum(new int[] {-1}, true).sqrt(); // [..., 1]
        return x.div(norm.maximum(GraphConstants.of(norm, 1e-12)));
    }
}
