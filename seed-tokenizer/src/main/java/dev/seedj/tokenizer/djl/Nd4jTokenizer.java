package dev.seedj.tokenizer.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.interop.Nd4jArrays;
import dev.seedj.tokenizer.Encoding;
import dev.seedj.tokenizer.SeedTokenizer;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link SeedTokenizer} entry points that take and return ND4J arrays, for research code in the DL4J world.
 * Arrays cross over with one bulk copy each way ({@link Nd4jArrays}); the DJL side lives in a manager that
 * is closed before each call returns.
 *
 * <p>ND4J is an optional dependency: this class needs {@code org.nd4j:nd4j-native} (with the platform
 * classifier) on the class path.
 *
 * <p>Thread-safe as the tokenizer is. Does not own the tokenizer: close it yourself.
 */
public final class Nd4jTokenizer {
    private final SeedTokenizer tokenizer;

    /** @param tokenizer the tokenizer to call (not closed by this object) */
    public Nd4jTokenizer(SeedTokenizer tokenizer) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    }

    /**
     * Preprocesses images as {@link SeedTokenizer#tokenize} does.
     *
     * @param images one or more images
     * @return FLOAT {@code [B, 3, S, S]}
     */
    public INDArray preprocess(List<BufferedImage> images) {
        try (NDManager manager = NDManager.newBaseManager(tokenizer.device())) {
            return Nd4jArrays.toNd4j(tokenizer.preprocessor().preprocess(images, manager));
        }
    }

    /**
     * @param pixels FLOAT {@code [B, 3, S, S]}, preprocessed (e.g. by {@link #preprocess})
     * @return the codes, LONG {@code [B, Q]}
     * @throws IllegalArgumentException if the pixels have the wrong shape or type
     */
    public INDArray encode(INDArray pixels) {
        Objects.requireNonNull(pixels, "pixels");
        try (NDManager manager = NDManager.newBaseManager(tokenizer.device());
             Encoding encoding = tokenizer.encode(Nd4jArrays.toDjl(pixels, manager))) {
            return Nd4jArrays.toNd4j(encoding.codes());
        }
    }

    /**
     * @param codes INT or LONG {@code [B, Q]}, values in {@code [0, codebook size)}
     * @return the generation embeddings, FLOAT {@code [B, N, D]} (v1 77 x 768; v2 1 x 1024)
     * @throws IllegalArgumentException naming the bad value if a code is out of range, or if the shape or
     *     type is wrong
     */
    public INDArray detokenize(INDArray codes) {
        Objects.requireNonNull(codes, "codes");
        try (NDManager manager = NDManager.newBaseManager(tokenizer.device())) {
            NDArray embeds = tokenizer.detokenize(Nd4jArrays.toDjl(codes, manager), manager); // [B, N, D]
            return Nd4jArrays.toNd4j(embeds);
        }
    }
}
