package dev.seedj.llm;

import dev.seedj.core.nn.Int8Linear;
import dev.seedj.core.weights.ComputeType;
import java.util.Locale;

/**
 * How a language model keeps its weights in memory ({@code dtype} in APIs and {@code --dtype} on the command line):
 * float32 (the reference), bfloat16 weights and activations ({@link ComputeType#BFLOAT16}), weight-only int8 for
 * decoding (linear layers as int8 with per-output-channel scales, float32 activations), or dynamic int8 (the same
 * weights at 63 levels, each product's input quantised to uint8 on the fly, through fbgemm: several times faster than
 * float32 on AVX2 CPUs, where libtorch's weight-only kernel is scalar; see {@link Int8Linear}). The names are those
 * of the tokenizer's {@code "dtype"} ({@link ComputeType#configName()}); the int8 ones exist only for language-model
 * weights.
 */
public enum LlmDtype {
    /** float32 weights and activations. */
    FLOAT32("float32", ComputeType.FLOAT32, null),
    /** bfloat16 weights and activations; norms and softmax in float32, logits returned as float32. */
    BFLOAT16("bfloat16", ComputeType.BFLOAT16, null),
    /** int8 linear weights with float32 scales, float32 activations, embeddings and norms (inference only). */
    INT8("int8", ComputeType.FLOAT32, Int8Linear.Activations.FLOAT32),
    /**
     * int8 linear weights whose products quantise their input to uint8 per call (fbgemm, x86-64 with AVX2); the
     * embeddings, norms, attention and residual stream stay float32 (inference only).
     */
    INT8_DYNAMIC("int8-dynamic", ComputeType.FLOAT32, Int8Linear.Activations.INT8);

    private final String configName;
    private final ComputeType computeType;
    private final Int8Linear.Activations int8Activations;

    LlmDtype(String configName, ComputeType computeType, Int8Linear.Activations int8Activations) {
        this.configName = configName;
        this.computeType = computeType;
        this.int8Activations = int8Activations;
    }

    /**
     * @return the name APIs and the command line use: {@code float32}, {@code bfloat16}, {@code int8} or
     *     {@code int8-dynamic}
     */
    public String configName() {
        return configName;
    }

    /** @return the type of the activations and of the weights that are not int8 */
    public ComputeType computeType() {
        return computeType;
    }

    /** @return whether the linear layers keep int8 weights */
    public boolean int8Weights() {
        return int8Activations != null;
    }

    /** @return the kind of int8 product of the linear layers, or null where the weights are not int8 */
    public Int8Linear.Activations int8Activations() {
        return int8Activations;
    }

    /**
     * @param name {@code float32}/{@code fp32}, {@code bfloat16}/{@code bf16}, {@code int8} or {@code int8-dynamic}
     *     ({@code int8_dynamic}), any case
     * @return the dtype
     * @throws IllegalArgumentException for another name
     */
    public static LlmDtype parse(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if ("int8".equals(lower)) {
            return INT8;
        }
        if ("int8-dynamic".equals(lower) || "int8_dynamic".equals(lower)) {
            return INT8_DYNAMIC;
        }
        try {
            return ComputeType.parse(name) == ComputeType.BFLOAT16 ? BFLOAT16 : FLOAT32;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown dtype '" + name
                    + "': expected \"float32\", \"bfloat16\", \"int8\" or \"int8-dynamic\"", e);
        }
    }

    @Override
    public String toString() {
        return configName;
    }
}
