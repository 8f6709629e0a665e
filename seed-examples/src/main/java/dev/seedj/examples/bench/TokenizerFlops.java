package dev.seedj.examples.bench;

import dev.seedj.tokenizer.TokenizerConfig;

/**
 * Floating-point operations of one image through the SEED tokenizer, counting 2 per multiply-add of every
 * matrix product (projections, attention scores and weighted sums, the patch convolution, the codebook
 * distances); element-wise work (norms, activations, softmax) is not counted.
 *
 * <p>Stateless and thread-safe.
 */
public final class TokenizerFlops {
    private TokenizerFlops() {}

    /**
     * @param c the tokenizer's sizes
     * @return FLOPs of {@code encode} for one image: EVA ViT, causal Q-Former, task layer and quantizer
     */
    public static double encode(TokenizerConfig c) {
        TokenizerConfig.Vision v = c.vision();
        TokenizerConfig.QFormer q = c.qformer();
        double patches = Math.pow(c.imageSize() / v.patchSize(), 2);
        double tokens = patches + 1;
        double w = v.width();
        double macs = patches * 3.0 * v.patchSize() * v.patchSize() * w; // patch embedding
        macs += v.depth() * vitBlock(tokens, w, v.mlpHidden());
        double h = q.hiddenSize();
        for (int layer = 0; layer < q.numLayers(); layer++) {
            boolean cross = layer % q.crossAttentionFreq() == 0;
            macs += bertLayer(q.numQueryTokens(), h, q.intermediateSize(), cross ? tokens : 0, w);
        }
        double d = c.codebook().dim();
        macs += q.numQueryTokens() * (h * h + h * d); // encode_task_layer
        macs += q.numQueryTokens() * (double) c.codebook().size() * d; // codebook distances
        return 2 * macs;
    }

    /**
     * @param c the tokenizer's sizes
     * @return FLOPs of {@code detokenize} for one image: task layer, decode blocks and the v1 / v2 head
     */
    public static double detokenize(TokenizerConfig c) {
        TokenizerConfig.QFormer q = c.qformer();
        TokenizerConfig.Decoder dec = c.decoder();
        double queries = q.numQueryTokens();
        double h = q.hiddenSize();
        double d = c.codebook().dim();
        double macs = queries * (d * d + d * h); // decode_task_layer
        macs += dec.numBlocks() * vitBlock(queries, h, dec.mlpHidden(q.hiddenSize()));
        if (c.version() == TokenizerConfig.Version.V1) {
            for (int layer = 0; layer < dec.reverseQformerLayers(); layer++) {
                boolean cross = layer % q.crossAttentionFreq() == 0;
                macs += bertLayer(dec.reverseQueryTokens(), h, q.intermediateSize(), cross ? queries : 0, h);
            }
            macs += dec.reverseQueryTokens() * h * dec.outputDim(); // distill_text_proj
        } else {
            double in = h;
            for (int out : dec.imageDown()) {
                macs += queries * in * out;
                in = out;
            }
            macs += queries * in * dec.outputDim(); // distill_image_proj
        }
        return 2 * macs;
    }

    /** Multiply-adds of a pre-LN ViT block over t tokens of width w with an MLP of width m. */
    private static double vitBlock(double t, double w, double m) {
        return 4 * t * w * w + 2 * t * t * w + 2 * t * w * m;
    }

    /** Multiply-adds of a Q-Former layer over n queries of width h, cross-attending to t tokens of width w. */
    private static double bertLayer(double n, double h, double intermediate, double t, double w) {
        double macs = 4 * n * h * h + 2 * n * n * h + 2 * n * h * intermediate;
        if (t > 0) {
            macs += 2 * n * h * h + 2 * t * w * h + 2 * n * t * h;
        }
        return macs;
    }
}
