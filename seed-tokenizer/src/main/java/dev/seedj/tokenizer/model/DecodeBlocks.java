package dev.seedj.tokenizer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.FusedQkvAttention;
import dev.seedj.core.nn.ParameterInit;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.nn.VitBlock;
import dev.seedj.tokenizer.TokenizerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The decode blocks between the codebook and a decoder head: a learned position embedding
 * ({@code pos_embed_<branch>}) added once, then pre-LayerNorm ViT blocks ({@code blocks_<branch>.N}, qkv
 * with a full bias, rows [q; k; v]). The branch is {@code text} in v1 and {@code image} in v2; the names sit
 * at the tokenizer's top level, so this block is declared inline.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class DecodeBlocks extends SeedBlock {
    private final String stage;
    private final Parameter posEmbed;
    private final List<VitBlock> blocks = new ArrayList<>();

    /**
     * @param branch {@code text} or {@code image}
     * @param width the Q-Former width the blocks run at
     * @param numQueries tokens per image
     * @param decoder the blocks' sizes
     */
    public DecodeBlocks(String branch, int width, int numQueries, TokenizerConfig.Decoder decoder) {
        this.stage = "blocks_" + branch;
        this.posEmbed = declareParameter("pos_embed_" + branch, new Shape(1, numQueries, width), ParameterInit.WEIGHT);
        for (int i = 0; i < decoder.numBlocks(); i++) {
            blocks.add(declareChild(stage + "." + i, new VitBlock(width, decoder.numHeads(),
                    decoder.mlpHidden(width), decoder.layerNormEps(), FusedQkvAttention.QkvBias.FULL)));
        }
    }

    /**
     * @param x [B, Q, width], the decode task layer's output
     * @param recorder receives {@code blocks_<branch>.in}, {@code .block<i>} and {@code .out}
     * @return [B, Q, width]
     */
    public NDArray forward(NDArray x, StageRecorder recorder) {
        StageRecorder r = recorder.scope(stage);
        NDArray h = x.add(posEmbed.getArray());
        r.record("in", h);
        for (int i = 0; i < blocks.size(); i++) {
            h = ArrayScopes.layer(h, blocks.get(i)::forward);
            r.record("block" + i, h);
        }
        r.record("out", h);
        return h;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(inputs.singletonOrThrow(), StageRecorder.NONE));
    }
}
