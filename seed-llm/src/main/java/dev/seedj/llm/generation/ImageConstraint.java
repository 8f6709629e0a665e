package dev.seedj.llm.generation;

import dev.seedj.llm.Vocabulary;
import java.util.Arrays;

/**
 * Constrained decoding of images: after {@code <img>} only image tokens are allowed until there are exactly
 * {@code tokensPerImage} of them, then {@code </img>} is forced; outside an image, image tokens and
 * {@code </img>} are forbidden. The state is read from the sequence itself (the image tokens at its end and
 * whether {@code <img>} precedes them), so it holds for any prompt, batch row or beam.
 *
 * <p>Immutable and thread-safe.
 */
final class ImageConstraint {
    private final Vocabulary vocabulary;
    private final int tokensPerImage;

    /**
     * @param vocabulary the image tokens
     * @param tokensPerImage image tokens between the delimiters
     */
    ImageConstraint(Vocabulary vocabulary, int tokensPerImage) {
        this.vocabulary = vocabulary;
        this.tokensPerImage = tokensPerImage;
    }

    /**
     * Sets every disallowed score to negative infinity.
     *
     * @param scores one row's scores [vocab], modified in place
     * @param history the row's tokens so far
     */
    void apply(float[] scores, TokenHistory history) {
        int trailing = 0;
        int i = history.size() - 1;
        while (i >= 0 && vocabulary.isImageToken(history.get(i))) {
            trailing++;
            i--;
        }
        boolean insideImage = i >= 0 && history.get(i) == vocabulary.boiId();
        if (insideImage && trailing >= tokensPerImage) {
            float keep = scores[vocabulary.eoiId()];
            Arrays.fill(scores, Float.NEGATIVE_INFINITY);
            scores[vocabulary.eoiId()] = Float.isFinite(keep) ? keep : 0f;
        } else if (insideImage) {
            boolean anyFinite = false;
            for (int id = 0; id < scores.length; id++) {
                if (!vocabulary.isImageToken(id)) {
                    scores[id] = Float.NEGATIVE_INFINITY;
                } else {
                    anyFinite |= Float.isFinite(scores[id]);
                }
            }
            if (!anyFinite) {
                scores[vocabulary.tokenId(0)] = 0f; // every image token was ruled out: still emit a valid code
            }
        } else {
            for (int id = 0; id < scores.length; id++) {
                if (vocabulary.isImageToken(id)) {
                    scores[id] = Float.NEGATIVE_INFINITY;
                }
            }
            if (vocabulary.eoiId() < scores.length) {
                scores[vocabulary.eoiId()] = Float.NEGATIVE_INFINITY;
            }
        }
    }
}
