package dev.seedj.tokenizer.train;

import java.util.Optional;

/**
 * What stage 2 trains and how its losses are weighted. The reference ({@code blip2_qformer_codebook_all_image.py})
 * uses {@code loss = 5 * vq + 2 * recon + 0.5 * distill_image + 0.5 * distill_text}, the legacy commitment form
 * with beta 0.25.
 *
 * <p>Immutable and thread-safe.
 *
 * @param imageHead train the v2 image head ({@code pos_embed_image}, {@code blocks_image}, {@code image_down},
 *     {@code distill_image_proj}) against {@link GenerationTargets#imageEmbeds}
 * @param textHead the v1 text head's sizes, or empty for none (trained against
 *     {@link GenerationTargets#textFeatures})
 * @param vqWeight weight of the quantizer loss (5)
 * @param reconWeight weight of the reconstruction loss (2)
 * @param imageWeight weight of the image-head MSE (0.5)
 * @param textWeight weight of the text-head MSE (0.5)
 * @param beta weight of the codebook term inside the quantizer loss (0.25)
 * @param deadCodes dead-code re-initialisation, or empty for none (the reference has none)
 */
public record Stage2Options(boolean imageHead, Optional<TextHead> textHead, double vqWeight, double reconWeight,
        double imageWeight, double textWeight, double beta, Optional<DeadCodePolicy> deadCodes) {

    /**
     * The text head's sizes.
     *
     * @param numTokens the Reverse Q-Former's queries, one output feature each (77 for SD's CLIP text encoder)
     * @param numLayers its layers (4 in the reference)
     * @param featureDim width of each target feature (768 for SD 1.x)
     */
    public record TextHead(int numTokens, int numLayers, int featureDim) {
        /**
         * Checks the sizes.
         *
         * @param numTokens the Reverse Q-Former's queries, one output feature each (77 for SD's CLIP text encoder)
         * @param numLayers its layers (4 in the reference)
         * @param featureDim width of each target feature (768 for SD 1.x)
         */
        public TextHead {
            if (numTokens < 1 || numLayers < 1 || featureDim < 1) {
                throw new IllegalArgumentException("text head sizes must be >= 1, got tokens " + numTokens
                        + ", layers " + numLayers + ", feature dim " + featureDim);
            }
        }

        /** @return the reference sizes: 77 tokens, 4 layers, 768-d features */
        public static TextHead reference() {
            return new TextHead(77, 4, 768);
        }
    }

    /**
     * Re-initialises codes that no batch chose for a while from recent encoder outputs.
     *
     * @param every check every this many steps
     * @param window remember this many recent encoder output vectors to draw replacements from
     */
    public record DeadCodePolicy(int every, int window) {
        /**
         * Checks the values.
         *
         * @param every check every this many steps
         * @param window remember this many recent encoder output vectors to draw replacements from
         */
        public DeadCodePolicy {
            if (every < 1 || window < 1) {
                throw new IllegalArgumentException("dead-code policy needs every >= 1 and window >= 1, got "
                        + every + ", " + window);
            }
        }
    }

    /**
     * Checks the weights.
     *
     * @param imageHead train the v2 image head ({@code pos_embed_image}, {@code blocks_image}, {@code image_down},
     *     {@code distill_image_proj}) against {@link GenerationTargets#imageEmbeds}
     * @param textHead the v1 text head's sizes, or empty for none (trained against
     *     {@link GenerationTargets#textFeatures})
     * @param vqWeight weight of the quantizer loss (5)
     * @param reconWeight weight of the reconstruction loss (2)
     * @param imageWeight weight of the image-head MSE (0.5)
     * @param textWeight weight of the text-head MSE (0.5)
     * @param beta weight of the codebook term inside the quantizer loss (0.25)
     * @param deadCodes dead-code re-initialisation, or empty for none (the reference has none)
     */
    public Stage2Options {
        for (double w : new double[] {vqWeight, reconWeight, imageWeight, textWeight, beta}) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("stage-2 loss weights must be finite and >= 0, got " + w);
            }
        }
        if (!imageHead && textHead.isEmpty()) {
            throw new IllegalArgumentException("stage 2 needs the image head, the text head or both");
        }
    }

    /** @return the v2 setup of the released tokenizer: image head only, reference weights, no dead-code handling */
    public static Stage2Options imageHeadOnly() {
        return new Stage2Options(true, Optional.empty(), 5, 2, 0.5, 0.5, 0.25, Optional.empty());
    }

    /**
     * @param head the text head's sizes
     * @return this setup with the text head as well
     */
    public Stage2Options withTextHead(TextHead head) {
        return new Stage2Options(imageHead, Optional.of(head), vqWeight, reconWeight, imageWeight, textWeight, beta,
                deadCodes);
    }

    /**
     * @param policy dead-code handling
     * @return this setup with dead-code re-initialisation
     */
    public Stage2Options withDeadCodes(DeadCodePolicy policy) {
        return new Stage2Options(imageHead, textHead, vqWeight, reconWeight, imageWeight, textWeight, beta,
                Optional.of(policy));
    }
}
