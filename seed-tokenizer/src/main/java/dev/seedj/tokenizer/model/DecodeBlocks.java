package dev.seedj.tokenizer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.FusedQkvAttention;
import dev.seedj.core.nn.ParameterInit;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.nn.VitBlock;
import dev.seedj.tokenizer.TokenizerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * A learned position embedding added once, then pre-LayerNorm ViT blocks (qkv with a full bias, rows
 * [q; k; v]), on the decoded codes. SEED uses it three times, under different top-level names, so this block is
 * declared inline and takes its two names:
 * <ul>
 *   <li>{@link #decoder(String, int, int, TokenizerConfig.Decoder)}: the blocks in front of a decoder head,
 *       {@code pos_embed_<branch>} + {@code blocks_<branch>.N} ({@code text} in v1, {@code image} in v2);</li>
 *   <li>{@link #reconstruction(int, int, TokenizerConfig.Decoder)}: stage 2's reconstruction branch
 *       ({@code recon_s} of {@code blip2_qformer_codebook_all_image.py}), {@code pos_embed} + {@code blocks.N},
 *       compared with the frozen causal Q-Former output in training (the released tokenizers do not ship it).</li>
 * </ul>
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class DecodeBlocks extends SeedBlock {
    private final String blocksName;
    private final Parameter posEmbed;
    private final List<VitBlock> blocks = new ArrayList<>();

    /**
     * @param posEmbedName the position embedding's name, e.g. {@code pos_embed_text}
     * @param blocksName the name of the block list, e.g. {@code blocks_text}
     * @param width the Q-Former width the blocks run at
     * @param numQueries tokens per image
     * @param decoder the blocks' sizes
     */
    public DecodeBlocks(String posEmbedName, String blocksName, int width, int numQueries,
            TokenizerConfig.Decoder decoder) {
        this.blocksName = blocksName;
        this.posEmbed = declareParameter(posEmbedName, new Shape(1, numQueries, width), ParameterInit.WEIGHT);
        for (int i = 0; i < decoder.numBlocks(); i++) {
            blocks.add(declareChild(blocksName + "." + i, new VitBlock(width, decoder.numHeads(),
                    decoder.mlpHidden(width), decoder.layerNormEps(), FusedQkvAttention.QkvBias.FULL)));
        }
    }

    /**
     * @param branch {@code text} or {@code image}
     * @param width the Q-Former width
     * @param numQueries tokens per image
     * @param decoder the blocks' sizes
     * @return {@code pos_embed_<branch>} + {@code blocks_<branch>.N}
     */
    public static DecodeBlocks decoder(String branch, int width, int numQueries, TokenizerConfig.Decoder decoder) {
        return new DecodeBlocks("pos_embed_" + branch, "blocks_" + branch, width, numQueries, decoder);
    }

    /**
     * @param width the Q-Former width
     * @param numQueries tokens per image
     * @param decoder the blocks' sizes (the reference uses the decode blocks' sizes: 4 blocks, 12 heads, mlp 4)
     * @return {@code pos_embed} + {@code blocks.N}
     */
    public static DecodeBlocks reconstruction(int width, int numQueries, TokenizerConfig.Decoder decoder) {
        return new DecodeBlocks("pos_embed", "blocks", width, numQueries, decoder);
    }

    /**
     * @param x [B, Q, width], the decode task layer's output
     * @param recorder receives {@code <blocks name>.in}, {@code .block<i>} and {@code .out}
     * @return [B, Q, width]
     */
    public NDArray forward(NDArray x, StageRecorder recorder) {
        StageRecorder r = recorder.scope(blocksName);
        NDArray h = x.add(posEmbed.getArray()); // [B, Q, width]
        r.record("in", h);
        NDArray out = ArrayScopes.chain(h, ArrayScopes.layers(blocks, VitBlock::forward),
                (block, i) -> r.record("block" + i, block));
        r.record("out", out);
        return out;
    }

    /**
     * @param x [B, Q, width]
     * @return [B, Q, width]
     */
    public NDArray forward(NDArray x) {
        return forward(x, StageRecorder.NONE);
    }
}
