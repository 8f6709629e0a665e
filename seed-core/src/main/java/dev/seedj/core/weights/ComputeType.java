package dev.seedj.core.weights;

import java.util.Locale;

/**
 * The element type of a model's weight matrices ({@code dtype} in configs and APIs). With {@link #BFLOAT16} the models
 * of this library keep the matrices of their linear layers in bfloat16 and round each product's input to bfloat16
 * (the products are nearly all of the work and of the weight bytes); activations between the layers, residual sums,
 * layer norms, attention and the layers that pick a discrete output (codes, logits) stay float32.
 *
 * <p>Enum constants are immutable and thread-safe.
 */
public enum ComputeType {
    /** IEEE binary32: the reference precision. */
    FLOAT32("float32"),
    /** bfloat16 matrices: half their bytes; libtorch accumulates the products in float32. */
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
