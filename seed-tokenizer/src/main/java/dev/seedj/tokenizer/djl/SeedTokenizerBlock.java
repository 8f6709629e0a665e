package dev.seedj.tokenizer.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.seedj.tokenizer.Encoding;
import dev.seedj.tokenizer.SeedTokenizer;
import dev.seedj.tokenizer.TokenizerConfig;
import java.util.List;
import java.util.Objects;

/**
 * A DJL {@link ai.djl.nn.Block} whose forward pass is a {@link SeedTokenizer}, so the tokenizer can be the
 * block of a DJL {@link ai.djl.Model} and run through DJL's {@link ai.djl.inference.Predictor}. The input
 * decides the direction:
 * <ul>
 *   <li>pixels, float32 {@code [B, 3, S, S]} preprocessed as {@link SeedTokenizer#preprocessor()} does ->
 *       codes, int64 {@code [B, Q]} ({@link SeedTokenizer#encode});
 *   <li>codes, int32 or int64 {@code [B, Q]} -> generation embeddings, float32 {@code [B, N, D]}
 *       ({@link SeedTokenizer#detokenize(NDArray, NDManager)}).
 * </ul>
 * The weights stay inside the tokenizer (the block has no DJL parameters and cannot be trained); outputs
 * belong to the input's manager. The block does not own the tokenizer: close it after the model.
 *
 * <p>Thread-safe as the tokenizer is; DJL predictors using it are not (use one per thread).
 */
public final class SeedTokenizerBlock extends AbstractBlock {
    private final SeedTokenizer tokenizer;

    /** @param tokenizer the tokenizer this block runs (not closed by the block) */
    public SeedTokenizerBlock(SeedTokenizer tokenizer) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        inputNames = List.of("pixels_or_codes");
    }

    /** @return the tokenizer this block runs */
    public SeedTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        if (inputs.size() != 1) {
            throw new IllegalArgumentException("expected one input (pixels or codes), got " + inputs.size());
        }
        NDArray input = inputs.singletonOrThrow();
        NDManager manager = input.getManager();
        if (isCodes(input.getDataType())) {
            return new NDList(tokenizer.detokenize(input, manager)); // [B, N, D]
        }
        try (Encoding encoding = tokenizer.encode(input)) {
            NDArray codes = manager.create(encoding.codes().toLongArray(), encoding.codes().getShape()); // [B, Q]
            return new NDList(codes);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        TokenizerConfig config = tokenizer.config();
        long batch = inputShapes[0].get(0);
        if (inputShapes[0].dimension() == 2) {
            return new Shape[] {new Shape(batch, config.numGenerationTokens(), config.generationDim())};
        }
        return new Shape[] {new Shape(batch, config.numCodes())};
    }

    private static boolean isCodes(DataType type) {
        return type == DataType.INT64 || type == DataType.INT32;
    }
}
