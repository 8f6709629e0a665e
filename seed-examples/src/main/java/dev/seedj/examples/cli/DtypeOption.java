package dev.seedj.examples.cli;

import dev.seedj.core.weights.ComputeType;
import dev.seedj.llm.LlmDtype;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The {@code --dtype} option: the compute type of the models a command loads. {@code float32} and {@code bfloat16}
 * apply to the image tokenizer (and to the language model); {@code int8} (weight-only) and {@code int8-dynamic}
 * (int8 weights and activations, fbgemm) are for the language model and leave the image tokenizer in its config's
 * type. Absent, each model computes in the type its config names
 * (the tokenizer's {@code seed-tokenizer.json} {@code dtype}, float32 by default).
 *
 * <p>Not thread-safe (filled by picocli, read by one command).
 */
public final class DtypeOption {
    private static final String EXPECTED = ": expected float32, bfloat16, int8 or int8-dynamic";

    @Option(names = "--dtype", paramLabel = "TYPE",
            description = "compute type: float32 or bfloat16 (the image tokenizer's linear layers, and the language "
                    + "model's), int8 (weight-only) or int8-dynamic (int8 weights and activations, x86 with AVX2), the"
                    + " last two for the language model only; default: each model's config")
    String dtype;

    /** @return the value given, lower-cased, or empty when the option is absent */
    public Optional<String> value() {
        return Optional.ofNullable(dtype).map(v -> v.toLowerCase(Locale.ROOT));
    }

    /**
     * @return the image tokenizer's compute type, or empty for its config's (the option is absent or an int8 one)
     * @throws CliException for a value that is none of float32, bfloat16, int8 and int8-dynamic
     */
    public Optional<ComputeType> tokenizerType() {
        Optional<String> v = value();
        if (v.isEmpty() || isInt8()) {
            return Optional.empty();
        }
        try {
            return Optional.of(ComputeType.parse(v.get()));
        } catch (IllegalArgumentException e) {
            throw new CliException("--dtype " + dtype + EXPECTED);
        }
    }

    /**
     * @return the language model's weight type, or empty for float32 (the option is absent)
     * @throws CliException for a value that is none of float32, bfloat16, int8 and int8-dynamic
     */
    public Optional<LlmDtype> languageModelType() {
        if (value().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(LlmDtype.parse(value().get()));
        } catch (IllegalArgumentException e) {
            throw new CliException("--dtype " + dtype + EXPECTED);
        }
    }

    /**
     * For the commands that load only the image tokenizer.
     *
     * @return the image tokenizer's compute type, or empty for its config's
     * @throws CliException for an int8 value (the tokenizer has no int8 mode) or an unknown value
     */
    public Optional<ComputeType> tokenizerOnlyType() {
        if (isInt8()) {
            throw new CliException("--dtype " + dtype + " is for the language model; the image tokenizer computes in "
                    + "float32 or bfloat16");
        }
        return tokenizerType();
    }

    /** @return whether the value names one of the language model's int8 types, which the image tokenizer has not */
    private boolean isInt8() {
        return value().map(v -> {
            try {
                return LlmDtype.parse(v).int8Weights();
            } catch (IllegalArgumentException e) {
                return false; // reported by the caller as an unknown type
            }
        }).orElse(false);
    }
}
