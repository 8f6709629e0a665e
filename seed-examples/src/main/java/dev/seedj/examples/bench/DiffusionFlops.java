package dev.seedj.examples.bench;

import dev.seedj.diffusion.UNetConfig;
import dev.seedj.diffusion.VaeConfig;

/**
 * Floating-point operations of one Stable Diffusion UNet call and one VAE decode, counted from the configs: 2 per
 * multiply-add of every convolution, linear layer and attention product (norms, activations and additions, a few
 * percent, are left out).
 *
 * <p>Stateless and thread-safe.
 */
final class DiffusionFlops {
    private static final int KERNEL = 9; // 3 x 3
    private static final int FF_INNER = 4;

    private DiffusionFlops() {}

    /**
     * @param c the UNet's shape
     * @param batch B
     * @param height latent height
     * @param width latent width
     * @param contextTokens T of the cross-attention context (77)
     * @return FLOPs of one call
     */
    static double unet(UNetConfig c, int batch, int height, int width, int contextTokens) {
        double flops = conv(batch, height, width, c.inChannels(), c.modelChannels(), KERNEL);
        long[] skips = new long[64];
        int skipCount = 0;
        skips[skipCount++] = c.modelChannels();
        long ch = c.modelChannels();
        int h = height;
        int w = width;
        for (int level = 0; level < c.levels(); level++) {
            long out = (long) c.modelChannels() * c.channelMult().get(level);
            for (int j = 0; j < c.numResBlocks(); j++) {
                flops += resBlock(batch, h, w, ch, out);
                ch = out;
                if (c.attention().get(level)) {
                    flops += transformer(batch, (long) h * w, ch, c.contextDim(), contextTokens, c.transformerDepth());
                }
                skips[skipCount++] = ch;
            }
            if (level != c.levels() - 1) {
                h /= 2;
                w /= 2;
                flops += conv(batch, h, w, ch, ch, KERNEL);
                skips[skipCount++] = ch;
            }
        }
        flops += 2 * resBlock(batch, h, w, ch, ch)
                + transformer(batch, (long) h * w, ch, c.contextDim(), contextTokens, c.transformerDepth());
        for (int level = c.levels() - 1; level >= 0; level--) {
            long out = (long) c.modelChannels() * c.channelMult().get(level);
            for (int j = 0; j <= c.numResBlocks(); j++) {
                flops += resBlock(batch, h, w, ch + skips[--skipCount], out);
                ch = out;
                if (c.attention().get(level)) {
                    flops += transformer(batch, (long) h * w, ch, c.contextDim(), contextTokens, c.transformerDepth());
                }
            }
            if (level != 0) {
                h *= 2;
                w *= 2;
                flops += conv(batch, h, w, ch, ch, KERNEL);
            }
        }
        return flops + conv(batch, height, width, c.modelChannels(), c.outChannels(), KERNEL);
    }

    /**
     * @param c the VAE's shape
     * @param batch B
     * @param height latent height
     * @param width latent width
     * @return FLOPs of one decode (post_quant_conv and decoder)
     */
    static double vaeDecode(VaeConfig c, int batch, int height, int width) {
        int top = c.levels() - 1;
        long ch = (long) c.baseChannels() * c.channelMult().get(top);
        int h = height;
        int w = width;
        double flops = conv(batch, h, w, c.embedDim(), c.latentChannels(), 1)
                + conv(batch, h, w, c.latentChannels(), ch, KERNEL);
        long tokens = (long) h * w;
        flops += 2 * resBlock(batch, h, w, ch, ch) + 2.0 * batch * tokens * ch * ch * 4 + 2.0 * 2 * batch * tokens * tokens * ch;
        for (int level = top; level >= 0; level--) {
            long out = (long) c.baseChannels() * c.channelMult().get(level);
            for (int j = 0; j <= c.numResBlocks(); j++) {
                flops += resBlock(batch, h, w, ch, out);
                ch = out;
            }
            if (level != 0) {
                h *= 2;
                w *= 2;
                flops += conv(batch, h, w, ch, ch, KERNEL);
            }
        }
        return flops + conv(batch, h, w, ch, c.imageChannels(), KERNEL);
    }

    private static double conv(int batch, int h, int w, long in, long out, int kernelArea) {
        return 2.0 * batch * h * w * in * out * kernelArea;
    }

    private static double resBlock(int batch, int h, int w, long in, long out) {
        double flops = conv(batch, h, w, in, out, KERNEL) + conv(batch, h, w, out, out, KERNEL);
        return in == out ? flops : flops + conv(batch, h, w, in, out, 1);
    }

    /** proj_in/out, self-attention, cross-attention and the GEGLU feed-forward over N tokens of width C. */
    private static double transformer(int batch, long tokens, long ch, long contextDim, int contextTokens, int depth) {
        double linear = 2.0 * batch * tokens * ch * ch;
        double projections = 2 * linear;
        double selfAttention = 4 * linear + 2 * 2.0 * batch * tokens * tokens * ch;
        double crossAttention = 2 * linear + 2 * 2.0 * batch * contextTokens * contextDim * ch
                + 2 * 2.0 * batch * tokens * contextTokens * ch;
        double feedForward = linear * (2 * FF_INNER + FF_INNER);
        return projections + depth * (selfAttention + crossAttention + feedForward);
    }
}
