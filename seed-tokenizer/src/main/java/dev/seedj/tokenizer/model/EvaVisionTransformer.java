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
 * The EVA-CLIP vision transformer SEED encodes images with (LAVIS {@code eva_vit.VisionTransformer}):
 * patch embedding, a CLS token in front, absolute position embeddings added to every token, then
 * pre-LayerNorm blocks whose qkv projection has EVA's {@code [q_bias, 0, v_bias]} bias. There is no
 * final norm and the output keeps the CLS token.
 *
 * <p>State-dict names: {@code cls_token}, {@code pos_embed}, {@code patch_embed.proj.*},
 * {@code blocks.N.*}. Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class EvaVisionTransformer extends SeedBlock {
    private final long width;
    private final long tokens; // per image: patches + CLS
    private final Parameter clsToken;
    private final Parameter posEmbed;
    private final PatchEmbed patchEmbed;
    private final List<VitBlock> blocks = new ArrayList<>();

    /**
     * @param imageSize side of the square input image
     * @param vision the vision tower's sizes
     */
    public EvaVisionTransformer(int imageSize, TokenizerConfig.Vision vision) {
        this.width = vision.width();
        long numPatches = (long) (imageSize / vision.patchSize()) * (imageSize / vision.patchSize());
        this.tokens = numPatches + 1;
        this.clsToken = declareParameter("cls_token", new Shape(1, 1, width), ParameterInit.WEIGHT);
        this.posEmbed = declareParameter("pos_embed", new Shape(1, tokens, width), ParameterInit.WEIGHT);
        this.patchEmbed = declareChild("patch_embed", new PatchEmbed(vision.patchSize(), width));
        for (int i = 0; i < vision.depth(); i++) {
            blocks.add(declareChild("blocks." + i, new VitBlock(width, vision.numHeads(), vision.mlpHidden(),
                    vision.layerNormEps(), FusedQkvAttention.QkvBias.QUERY_AND_VALUE)));
        }
    }

    /**
     * The tower's output. At inference without a recorder a batch goes through the whole tower a few images at a time
     * ({@link VitBlock#ROWS_PER_SLICE} token rows, at least one image), so that every activation of the pass exists
     * for one slice only and memory does not grow with the batch; the products keep their full speed. With a recorder
     * (the parity tests) or while autograd records, the batch runs in one pass. The values are the same either way.
     *
     * @param pixels [B, 3, S, S], normalised
     * @param recorder receives {@code patch_embed}, {@code tokens_in}, {@code block<i>} and {@code out}
     * @return [B, 1 + N, width], CLS first
     */
    public NDArray forward(NDArray pixels, StageRecorder recorder) {
        if (recorder != StageRecorder.NONE) {
            return forwardBatch(pixels, recorder);
        }
        long imagesPerSlice = Math.max(1, VitBlock.ROWS_PER_SLICE / tokens);
        return ArrayScopes.inSlices(pixels, imagesPerSlice, p -> forwardBatch(p, StageRecorder.NONE));
    }

    /** {@link #forward} of the whole batch in one pass. */
    private NDArray forwardBatch(NDArray pixels, StageRecorder recorder) {
        NDArray patches = patchEmbed.forward(pixels); // [B, N, width]
        recorder.record("patch_embed", patches);
        long batch = patches.getShape().get(0);
        NDArray cls = ArrayScopes.adopt(clsToken.getArray().broadcast(new Shape(batch, 1, width)), patches);
        NDArray x = cls.concat(patches, 1).add(posEmbed.getArray()); // [B, 1 + N, width]
        recorder.record("tokens_in", x);
        NDArray out = ArrayScopes.chain(x, ArrayScopes.layers(blocks, VitBlock::forward),
                (h, i) -> recorder.record("block" + i, h));
        if (out != x) {
            x.close(); // created here; recorders copy what they keep
        }
        recorder.record("out", out);
        return out;
    }
}
