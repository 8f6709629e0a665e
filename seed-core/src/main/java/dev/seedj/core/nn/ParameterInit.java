package dev.seedj.core.nn;

import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;

/**
 * The initializers SEED-J uses when a model is trained from scratch, mirroring the reference
 * ({@code trunc_normal_(std=0.02)} for weights and embeddings, zeros for biases, ones for LayerNorm gains).
 *
 * <p>Stateless and thread-safe.
 */
public final class ParameterInit {
    /** Normal with standard deviation 0.02, as BERT, ViT and OPT initialise weights. */
    public static final Initializer WEIGHT = new NormalInitializer(0.02f);
    /** All zeros. */
    public static final Initializer ZEROS = new ConstantInitializer(0f);
    /** All ones. */
    public static final Initializer ONES = new ConstantInitializer(1f);

    private ParameterInit() {}
}
