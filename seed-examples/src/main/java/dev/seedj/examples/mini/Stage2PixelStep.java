package dev.seedj.examples.mini;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.nn.GraphConstants;
import dev.seedj.core.train.LossTerms;
import dev.seedj.core.train.TrainingStep;
import dev.seedj.tokenizer.train.CodebookMonitor;
import dev.seedj.tokenizer.train.Stage2Network;
import dev.seedj.tokenizer.train.Stage2Options;
import dev.seedj.tokenizer.train.TokenizerBatch;

/**
 * SEED-mini's stage-2 step: the reference stage-2 losses ({@code 5 vq + 2 recon}) with the generation target
 * defined for the mini world. The v2 image head's output is not regressed to a frozen teacher's embedding (there
 * is no unCLIP here); instead it feeds the {@link PixelDecoder}, and the pixel loss, a mean squared error to the
 * scene's {@link CanonicalPicture} in which the pixels of its bounding box weigh {@value #BOX_WEIGHT} times the others,
 * trains the head and the decoder jointly, so the generation embedding is whatever the picture needs. Logged:
 * {@code vq}, {@code recon}, {@code pixel} (weighted), {@code codes_in_batch}, {@code codes_reinitialised}.
 *
 * <p>Not thread-safe; the training loop calls it from one thread.
 */
public final class Stage2PixelStep implements TrainingStep<TokenizerBatch> {
    /**
     * Weight of the pixels inside the canonical bounding box relative to those outside. The box, not the shape's own
     * pixels, is weighted so that a square's corners and a circle's (background) corners count the same: weighting
     * the shape's pixels made every uncertain circle a square.
     */
    static final double BOX_WEIGHT = 5;
    private final Stage2Network network;
    private final PixelDecoder decoder;
    private final ShapeBatches data;
    private final CodebookMonitor codebook;
    private final double pixelWeight;

    /**
     * @param network the stage-2 network with the image head
     * @param decoder the pixel decoder, trained jointly
     * @param data the batch source (gives the pictures of a batch)
     * @param pixelWeight weight of the pixel loss
     */
    public Stage2PixelStep(Stage2Network network, PixelDecoder decoder, ShapeBatches data, double pixelWeight) {
        if (!network.options().imageHead()) {
            throw new IllegalArgumentException("SEED-mini's stage 2 needs the image head");
        }
        this.network = network;
        this.decoder = decoder;
        this.data = data;
        this.codebook = new CodebookMonitor(network);
        this.pixelWeight = pixelWeight;
    }

    @Override
    public LossTerms compute(TokenizerBatch batch, NDManager manager) {
        Stage2Options o = network.options();
        int reinitialised = codebook.beforeStep(manager);
        int b = batch.size();
        int f = network.config().generationDim();
        NDArray unusedTargets = manager.zeros(new Shape(b, f)); // the head's teacher MSE is not optimised here
        Stage2Network.Output out = network.forward(batch.pixels(manager), unusedTargets, null);
        NDArray embeds = out.stages().get("reverse_output_proj"); // [B, F]
        NDArray drawn = decoder.forward(embeds); // [B, 3, 64, 64]
        NDArray target = manager.create(data.canonicalPixelsOf(batch),
                new Shape(b, 3, PixelDecoder.SIZE, PixelDecoder.SIZE)); // [B, 3, 64, 64]
        NDArray box = manager.create(data.canonicalBoxesOf(batch),
                new Shape(b, 1, PixelDecoder.SIZE, PixelDecoder.SIZE)); // [B, 1, 64, 64]
        NDArray weights = box.mul((float) (BOX_WEIGHT - 1)).add(1f); // [B, 1, 64, 64]
        NDArray pixel = drawn.sub(target).square().mul(weights).mean(); // []
        return new LossTerms()
                .add("vq", GraphConstants.times(out.vq(), o.vqWeight()))
                .add("recon", GraphConstants.times(out.recon(), o.reconWeight()))
                .add("pixel", GraphConstants.times(pixel, pixelWeight))
                .monitor("codes_in_batch", manager.create((float) codebook.afterForward(out.codes(), out.z())))
                .monitor("codes_reinitialised", manager.create((float) reinitialised));
    }
}
