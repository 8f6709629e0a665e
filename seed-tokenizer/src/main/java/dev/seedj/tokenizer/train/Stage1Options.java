package dev.seedj.tokenizer.train;

import dev.seedj.core.weights.StateDict;
import dev.seedj.tokenizer.TokenizerConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The stage-1 sizes and switches beyond the tokenizer config ({@code blip2_qformer_casual.py}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param vocabSize rows of the Q-Former's word embedding: the text tokenizer's vocabulary plus {@code [DEC]}
 *     (30523 for bert-base-uncased)
 * @param maxPositions rows of the position embedding (512)
 * @param embedDim width of {@code vision_proj} / {@code text_proj} (256)
 * @param maxTextLength captions are padded or truncated to this many tokens (32)
 * @param labelSmoothing label smoothing of both contrastive cross-entropies (0.1)
 * @param trainVisionEncoder also train the vision encoder (the reference freezes it; SEED-mini trains it)
 * @param clampTemperature clamp {@code temp} to [0.001, 0.5] before each forward pass, as BLIP/ALBEF do; the SEED
 *     reference does not (false), and an unclamped {@code temp} can be driven through 0 by a large learning rate
 */
public record Stage1Options(int vocabSize, int maxPositions, int embedDim, int maxTextLength, double labelSmoothing,
        boolean trainVisionEncoder, boolean clampTemperature) {

    private static final String WORD_EMBEDDINGS = "Qformer.bert.embeddings.word_embeddings.weight";
    private static final String POSITION_EMBEDDINGS = "Qformer.bert.embeddings.position_embeddings.weight";
    private static final String VISION_PROJ = "vision_proj.weight";

    /**
     * Checks the values.
     *
     * @param vocabSize rows of the Q-Former's word embedding: the text tokenizer's vocabulary plus {@code [DEC]}
     *     (30523 for bert-base-uncased)
     * @param maxPositions rows of the position embedding (512)
     * @param embedDim width of {@code vision_proj} / {@code text_proj} (256)
     * @param maxTextLength captions are padded or truncated to this many tokens (32)
     * @param labelSmoothing label smoothing of both contrastive cross-entropies (0.1)
     * @param trainVisionEncoder also train the vision encoder (the reference freezes it; SEED-mini trains it)
     * @param clampTemperature clamp {@code temp} to [0.001, 0.5] before each forward pass, as BLIP/ALBEF do; the SEED
     *     reference does not (false), and an unclamped {@code temp} can be driven through 0 by a large learning rate
     */
    public Stage1Options {
        if (vocabSize < 1 || maxPositions < 1 || embedDim < 1) {
            throw new IllegalArgumentException("stage-1 sizes must be >= 1, got vocab " + vocabSize + ", positions "
                    + maxPositions + ", embed dim " + embedDim);
        }
        if (maxTextLength < 2 || maxTextLength > maxPositions) {
            throw new IllegalArgumentException("max text length must be in [2, " + maxPositions + "], got "
                    + maxTextLength);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + labelSmoothing);
        }
    }

    /**
     * @param vocabSize the word-embedding rows (tokenizer vocabulary + 1 for {@code [DEC]})
     * @return the reference settings: 512 positions, 256-d projections, 32 tokens, smoothing 0.1, frozen encoder
     */
    public static Stage1Options reference(int vocabSize) {
        return new Stage1Options(vocabSize, 512, 256, 32, 0.1, false, false);
    }

    /**
     * The options of a model directory's own stage-1 network, as far as its weights tell: when they hold the text
     * branch and projections (a stage-1 output such as {@code models/seed-mini/stage1}), the position rows and the
     * projection width are taken from them and captions are padded to {@code min(32, positions)} tokens; otherwise
     * (a start from a vision encoder and Q-Former alone) the {@link #reference} sizes. Smoothing 0.1, the encoder
     * frozen and {@code temp} unclamped, as the reference.
     *
     * @param modelDir a folder with {@code seed-tokenizer.json} whose {@code weights} list the starting files
     *     (a later file overrides an earlier one)
     * @param vocabSize the text tokenizer's word-embedding rows ({@code [DEC]} included)
     * @return the options
     * @throws IllegalArgumentException if the weights' word embeddings have another number of rows than
     *     {@code vocabSize} (the model was trained with another text tokenizer), naming both
     */
    public static Stage1Options forModel(Path modelDir, int vocabSize) {
        TokenizerConfig config = TokenizerConfig.read(modelDir.resolve(TokenizerConfig.FILE_NAME));
        Map<String, long[]> shapes = new HashMap<>();
        for (TokenizerConfig.WeightFile file : config.weights()) {
            try (StateDict raw = StateDict.open(modelDir.resolve(file.file()))) {
                StateDict weights = file.prefix().isEmpty() ? raw : raw.withPrefix(file.prefix());
                for (String key : List.of(WORD_EMBEDDINGS, POSITION_EMBEDDINGS, VISION_PROJ)) {
                    if (weights.contains(key)) {
                        shapes.put(key, weights.info(key).shape());
                    }
                }
            }
        }
        long[] words = shapes.get(WORD_EMBEDDINGS);
        if (words != null && words[0] != vocabSize) {
            throw new IllegalArgumentException("the weights of " + modelDir + " have " + words[0]
                    + " word-embedding rows but the text tokenizer gives " + vocabSize + " ([DEC] included): use the"
                    + " text tokenizer the model was trained with");
        }
        Stage1Options reference = reference(vocabSize);
        int positions = shapes.containsKey(POSITION_EMBEDDINGS) ? Math.toIntExact(shapes.get(POSITION_EMBEDDINGS)[0])
                : reference.maxPositions();
        int embedDim = shapes.containsKey(VISION_PROJ) ? Math.toIntExact(shapes.get(VISION_PROJ)[0])
                : reference.embedDim();
        return new Stage1Options(vocabSize, positions, embedDim, Math.min(reference.maxTextLength(), positions),
                reference.labelSmoothing(), false, false);
    }

    /**
     * @param trainable whether the vision encoder trains too
     * @return a copy with that switch
     */
    public Stage1Options withTrainableVisionEncoder(boolean trainable) {
        return new Stage1Options(vocabSize, maxPositions, embedDim, maxTextLength, labelSmoothing, trainable,
                clampTemperature);
    }

    /**
     * @param clamp whether {@code temp} is clamped to [0.001, 0.5]
     * @return a copy with that switch
     */
    public Stage1Options withClampedTemperature(boolean clamp) {
        return new Stage1Options(vocabSize, maxPositions, embedDim, maxTextLength, labelSmoothing, trainVisionEncoder,
                clamp);
    }
}
