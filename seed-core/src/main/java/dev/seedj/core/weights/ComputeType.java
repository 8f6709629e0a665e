package dev.seedj.core.weights;

import java.util.Locale;

/**
 * The element type a model keeps its weights and activations in ({@code dtype} in configs and APIs). Reductions that
 * need the reference precision (layer norms, softmax, the tokenizer's codebook distances) run in float32 either way.
 */
public enum ComputeType {
    /** IEEE binary32: the reference precision. */
    FLOAT32("float32"),
    /** bfloat16: half the weight bytes; libtorch accumulates its matrix products in float32. */
    BFLOAT16("bfloat16");

    private final String configName;

    ComputeType(String configName) {
        this.configName = configName;
    }

    /** @return the name configs use, e.g. {@code bfloat16} */
    public String configName() {
        return configName;
    }

    /**
     * @param name {@code float32}/{@code fp32} or {@code bfloat16}/{@code bf16}, any case
     * @return the type
     * @throws IllegalArgumentException for another name
     */
    public static ComputeType parse(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "float32", "fp32", "float" -> {
                return FLOAT32;
            }
            case "bfloat16", "bf16" -> {
                return BFLOAT16;
            }
            default -> throw new IllegalArgumentException("unknown dtype '" + name
                    + "': expected \"float32\" or \"bfloat16\"");
        }
    }
}
