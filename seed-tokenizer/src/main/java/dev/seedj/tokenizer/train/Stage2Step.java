package dev.seedj.tokenizer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.nn.GraphConstants;
import dev.seedj.core.train.LossTerms;
import dev.seedj.core.train.TrainingStep;

/**
 * Stage 2's {@link TrainingStep}: the {@link Stage2Network} forward pass on a batch and its weighted losses. Logged
 * terms: {@code vq}, {@code recon}, {@code distill_image}, {@code distill_text} (weighted, optimised; the heads that
 * exist), their unweighted {@code *_raw} values, {@code codes_in_batch} (distinct codes chosen by the batch) and
 * {@code codes_reinitialised} when dead-code handling is on.
 *
 * <p>Not thread-safe; the training loop calls it from one thread.
 */
public final class Stage2Step implements TrainingStep<TokenizerBatch> {
    private final Stage2Network network;
    private final GenerationTargets targets;
    private final CodebookMonitor codebook;

    /**
     * @param network the network (loaded)
     * @param targets the generation heads' targets
     */
    public Stage2Step(Stage2Network network, GenerationTargets targets) {
        this.network = network;
        this.targets = targets;
        this.codebook = new CodebookMonitor(network);
    }

    /** @return the codebook usage tracker */
    public CodebookMonitor codebook() {
        return codebook;
    }

    @Override
    public LossTerms compute(TokenizerBatch batch, NDManager manager) {
        Stage2Options o = network.options();
        int reinitialised = codebook.beforeStep(manager);
        NDArray pixels = batch.pixels(manager);
        NDArray image = o.imageHead() ? targets.imageEmbeds(batch.keys(), manager) : null;
        NDArray text = o.textHead().isPresent() ? targets.textFeatures(batch.keys(), manager) : null;
        Stage2Network.Output out = network.forward(pixels, image, text);
        LossTerms terms = new LossTerms();
        terms.add("vq", GraphConstants.times(out.vq(), o.vqWeight()));
        terms.add("recon", GraphConstants.times(out.recon(), o.reconWeight()));
        if (out.distillImage() != null) {
            terms.add("distill_image", GraphConstants.times(out.distillImage(), o.imageWeight()));
        }
        if (out.distillText() != null) {
            terms.add("distill_text", GraphConstants.times(out.distillText(), o.textWeight()));
        }
        terms.monitor("vq_raw", out.vq());
        terms.monitor("recon_raw", out.recon());
        if (out.distillImage() != null) {
            terms.monitor("distill_image_raw", out.distillImage());
        }
        if (out.distillText() != null) {
            terms.monitor("distill_text_raw", out.distillText());
        }
        terms.monitor("codes_in_batch", manager.create((float) codebook.afterForward(out.codes(), out.z())));
        if (o.deadCodes().isPresent()) {
            terms.monitor("codes_reinitialised", manager.create((float) reinitialised));
        }
        return terms;
    }
}
