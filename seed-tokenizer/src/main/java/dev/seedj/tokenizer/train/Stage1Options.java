package dev.seedj.tokenizer.train;

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
