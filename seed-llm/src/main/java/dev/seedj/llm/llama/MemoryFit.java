package dev.seedj.llm.llama;

import dev.seedj.core.nn.Int8Linear;
import dev.seedj.llm.LlmDtype;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The memory check run before a LLaMA checkpoint is read: the weights as the chosen {@link LlmDtype} keeps them
 * ({@link #weightBytes}) plus {@link #RUNTIME_RESERVE_BYTES} for the JVM, libtorch, the KV cache and activations must
 * fit in the limit, else loading is refused up front with both sizes in the message (and, when int8 weights would
 * fit, what they need). The machine's memory is the physical memory the JVM reports (its container limit in a
 * container).
 *
 * <p>Stateless and thread-safe.
 */
public final class MemoryFit {
    /** Memory kept free for the JVM heap, libtorch, the KV cache and activations: 1.5 GiB. */
    public static final long RUNTIME_RESERVE_BYTES = 3L << 29;
    private static final long FLOAT32_BYTES = 4;

    private MemoryFit() {}

    /**
     * The bytes of all weights as {@code dtype} keeps them: every parameter in 4 (float32) or 2 (bfloat16) bytes; for
     * int8, every linear matrix in 1 byte plus a float32 scale per output row, the embeddings and norms in float32
     * (with tied embeddings the output layer is an int8 copy of the embedding matrix).
     *
     * @param config the architecture
     * @param dtype how the weights are kept
     * @return the bytes
     */
    public static long weightBytes(LlamaConfig config, LlmDtype dtype) {
        if (!dtype.int8Weights()) {
            long perElement = dtype == LlmDtype.BFLOAT16 ? 2 : FLOAT32_BYTES;
            return Math.multiplyExact(config.parameterCount(), perElement);
        }
        long d = config.hiddenSize();
        long kv = (long) config.numKeyValueHeads() * config.headDim();
        long inner = config.intermediateSize();
        long vocab = config.vocabSize();
        long layerMatrices = 2 * d * d + 2 * kv * d + 3 * inner * d; // q, o; k, v; gate, up, down
        long layerRows = 2 * d + 2 * kv + 2 * inner + d;
        // per output row: a scale; dynamic int8 adds the column sums and the zero bias fbgemm's call reads
        long rowBytes = dtype.int8Activations() == Int8Linear.Activations.INT8 ? 3 * FLOAT32_BYTES : FLOAT32_BYTES;
        long layers = config.numLayers();
        long int8 = layers * (layerMatrices + rowBytes * layerRows) + vocab * d + rowBytes * vocab; // + head
        long float32 = FLOAT32_BYTES * (vocab * d + (2 * layers + 1) * d); // embed_tokens, the RMSNorm gains
        return int8 + float32;
    }

    /** @return the machine's physical memory as the JVM sees it (the container limit inside a container) */
    public static long machineBytes() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }

    /**
     * Refuses a model that cannot fit.
     *
     * @param config the architecture
     * @param dtype how the weights are to be kept
     * @param limitBytes the memory available; 0 means {@link #machineBytes()}
     * @throws ModelDoesNotFitException if weights plus the reserve exceed the limit; the message says what the model
     *     needs, what is available and, if int8 weights would fit, that {@code dtype int8} runs it
     */
    public static void check(LlamaConfig config, LlmDtype dtype, long limitBytes) {
        long available = limitBytes > 0 ? limitBytes : machineBytes();
        long weights = weightBytes(config, dtype);
        long required = weights + RUNTIME_RESERVE_BYTES;
        if (required <= available) {
            return;
        }
        long int8Required = weightBytes(config, LlmDtype.INT8) + RUNTIME_RESERVE_BYTES;
        String advice;
        if (dtype.int8Weights()) {
            advice = "it needs more memory";
        } else if (int8Required <= available) {
            advice = String.format(Locale.ROOT, "with int8 weights (dtype \"int8\", --dtype int8) it needs %s and fits",
                    gib(int8Required));
        } else {
            advice = String.format(Locale.ROOT, "even int8 weights would need %s: it needs more memory",
                    gib(int8Required));
        }
        throw new ModelDoesNotFitException(String.format(Locale.ROOT,
                "this LLaMA model does not fit: %,d parameters in %s need %s of weights + %s runtime reserve = %s,"
                        + " but only %s is available (%s); %s",
                config.parameterCount(), dtype, gib(weights), gib(RUNTIME_RESERVE_BYTES), gib(required),
                gib(available), limitBytes > 0 ? "the configured limit" : "the machine's memory", advice),
                required, available);
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
