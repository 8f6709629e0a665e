package dev.seedj.tokenizer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.seedj.core.nn.FusedQkvAttention;
import dev.seedj.core.nn.ParameterInit;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.nn.VitBlock;
import dev.seedj.tokenizer.TokenizerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Stage 2's reconstruction branch ({@code recon_s} of {@code blip2_qformer_codebook_all_image.py}): a learned
 * {@code pos_embed} added to the decoded codes, then pre-LayerNorm ViT {@code blocks.N}; its output is compared
 * with the frozen causal Q-Former output by {@link TokenizerLosses#reconstruction}. Only used in training (the
 * released tokenizers do not ship it). Names sit at the model's top level, so declare this block inline.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class ReconstructionHead extends SeedBlock {
    private final Parameter posEmbed;
    private final List<VitBlock> blocks = new ArrayList<>();

    /**
     * @param width the Q-Former width
     * @param numQueries tokens per image
     * @param decoder the blocks' sizes (the reference uses the decode blocks' sizes: 4 blocks, 12 heads, mlp 4)
     */
    public ReconstructionHead(int width, int numQueries, TokenizerConfig.Decoder decoder) {
        this.posEmbed = declareParameter("pos_embed", new Shape(1, numQueries, width), ParameterInit.WEIGHT);
        for (int i = 0; i < decoder.numBlocks(); i++) {
            blocks.add(declareChild("blocks." + i, new VitBlock(width, decoder.numHeads(), decoder.mlpHidden(width),
                    decoder.layerNormEps(), FusedQkvAttention.QkvBias.FULL)));
        }
    }

    /**
     * @param decoded [B, Q, width], the decode task layer's output
     * @return the reconstruction [B, Q, width]
     */
    public NDArray forward(NDArray decoded) {
        NDArray h = decoded.add(posEmbed.getArray());
        for (VitBlock block : blocks) {
            h = block.forward(h);
        }
        return h;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(inputs.singletonOrThrow()));
    }
}
