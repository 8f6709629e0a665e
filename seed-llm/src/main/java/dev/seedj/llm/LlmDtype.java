package dev.seedj.llm;

import dev.seedj.core.weights.ComputeType;
import java.util.Locale;

/**
 * How a language model keeps its weights in memory ({@code dtype} in APIs and {@code --dtype} on the command line):
 * float32 (the reference), bfloat16 weights and activations ({@link ComputeType#BFLOAT16}), or weight-only int8 for
 * decoding (linear layers as int8 with per-output-channel scales, float32 activations). The names are those of the
 * tokenizer's {@code "dtype"} ({@link ComputeType#configName()}); {@code int8} exists only for language-model weights.
 */
public enum LlmDtype {
    /** float32 weights and activations. */
    FLOAT32("float32", ComputeType.FLOAT32, false),
    /** bfloat16 weights and activations; norms and softmax in float32, logits returned as float32. */
    BFLOAT16("bfloat16", ComputeType.BFLOAT16, false),
    /** int8 linear weights with float32 scales, float32 activations, embeddings and norms (inference only). */
    INT8("int8", ComputeType.FLOAT32, true);

    private final String configName;
    private final ComputeType computeType;
    private final boolean int8Weights;

    LlmDtype(String configName, ComputeType computeType, boolean int8Weights) {
        this.configName = configName;
        this.computeType = computeType;
        this.int8Weights = int8Weights;
    }

    /** @return the name APIs and the command line use: {@code float32}, {@code bfloat16} or {@code int8} */
    public String configName() {
        return configName;
    }

    /** @return the type of the activations and of the weights that are not int8 */
    public ComputeType computeType() {
        return computeType;
    }

    /** @return whether the linear layers keep int8 weights */
    public boolean int8Weights() {
        return int8Weights;
    }

    /**
     * @param name {@code float32}/{@code fp32}, {@code bfloat16}/{@code bf16} or {@code int8}, any case
     * @return the dtype
     * @throws IllegalArgumentException for another name
     */
    public static LlmDtype parse(String name) {
        if ("int8".equals(name.toLowerCase(Locale.ROOT))) {
            return INT8;
        }
        try {
            return ComputeType.parse(name) == ComputeType.BFLOAT16 ? BFLOAT16 : FLOAT32;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown dtype '" + name
                    + "': expected \"float32\", \"bfloat16\" or \"int8\"", e);
        }
    }

    @Override
    public String toString() {
        return configName;
    }
}
