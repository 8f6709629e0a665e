package dev.seedj.tokenizer.model;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.ActivationFunction;
import dev.seedj.core.nn.Linear;
import dev.seedj.tokenizer.TokenizerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * SEED v2's decoder to one unCLIP image embedding ({@code get_codebook_entry}): the decode blocks
 * ({@code pos_embed_image}, {@code blocks_image}), the bias-free {@code image_down} MLP with ReLU between
 * its layers (H to 256 to 128 to 32), a query-major flatten (index {@code q * 32 + c}), and
 * {@code distill_image_proj} to the unCLIP width (1024).
 *
 * <p>State-dict names sit at the tokenizer's top level. Forward passes only read parameters and are safe
 * to run concurrently once loaded.
 */
public final class UnclipEmbeddingDecoder extends GenerationDecoder {
    private final DecodeBlocks blocksImage;
    private final List<Linear> imageDown = new ArrayList<>();
    private final Linear distillImageProj;

    /**
     * @param config a v2 config
     */
    public UnclipEmbeddingDecoder(TokenizerConfig config) {
        TokenizerConfig.QFormer q = config.qformer();
        TokenizerConfig.Decoder d = config.decoder();
        this.blocksImage = declareChild("", DecodeBlocks.decoder("image", q.hiddenSize(), q.numQueryTokens(), d));
        int in = q.hiddenSize();
        for (int i = 0; i < d.imageDown().size(); i++) {
            int out = d.imageDown().get(i);
            imageDown.add(declareChild("image_down." + 2 * i, new Linear(in, out, false)));
            in = out;
        }
        this.distillImageProj = declareChild("distill_image_proj",
                new Linear((long) q.numQueryTokens() * in, d.outputDim(), true));
    }

    /**
     * @param decoded [B, Q, hidden]
     * @param recorder receives {@code blocks_image.*}, {@code image_down.out}, {@code image_down.flat} and
     *     {@code image_embeds}
     * @return [B, 1, output dim]
     */
    @Override
    public NDArray forward(NDArray decoded, StageRecorder recorder) {
        NDArray x = blocksImage.forward(decoded, recorder); // [B, Q, hidden]
        for (int i = 0; i < imageDown.size(); i++) {
            x = imageDown.get(i).forward(i == 0 ? x : ActivationFunction.RELU.apply(x));
        }
        recorder.record("image_down.out", x); // [B, Q, 32]
        long batch = x.getShape().get(0);
        NDArray flat = x.reshape(batch, -1); // [B, Q * 32], query-major
        recorder.record("image_down.flat", flat);
        NDArray embeds = distillImageProj.forward(flat); // [B, output]
        recorder.record("image_embeds", embeds);
        return embeds.reshape(batch, 1, -1);
    }
}
