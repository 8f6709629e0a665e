package dev.seedj.llm.llama;

import ai.djl.ndarray.types.DataType;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The memory check run before a LLaMA checkpoint is read: the weights in the compute dtype
 * ({@link LlamaConfig#parameterCount()} x bytes per element) plus {@link #RUNTIME_RESERVE_BYTES} for the JVM,
 * libtorch, the KV cache and activations must fit in the limit, else loading is refused up front with both sizes
 * in the message. The machine's memory is the physical memory the JVM reports (its container limit in a
 * container).
 *
 * <p>Stateless and thread-safe.
 */
public final class MemoryFit {
    /** Memory kept free for the JVM heap, libtorch, the KV cache and activations: 1.5 GiB. */
    public static final long RUNTIME_RESERVE_BYTES = 3L << 29;

    private MemoryFit() {}

    /**
     * @param config the architecture
     * @param computeType the dtype of the weights in memory
     * @return the bytes of all weights in that dtype
     */
    public static long weightBytes(LlamaConfig config, DataType computeType) {
        return Math.multiplyExact(config.parameterCount(), (long) computeType.getNumOfBytes());
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
     * @param computeType the dtype of the weights in memory
     * @param limitBytes the memory available; 0 means {@link #machineBytes()}
     * @throws ModelDoesNotFitException if weights plus the reserve exceed the limit
     */
    public static void check(LlamaConfig config, DataType computeType, long limitBytes) {
        long available = limitBytes > 0 ? limitBytes : machineBytes();
        long weights = weightBytes(config, computeType);
        long required = weights + RUNTIME_RESERVE_BYTES;
        if (required > available) {
            throw new ModelDoesNotFitException(String.format(Locale.ROOT,
                    "this LLaMA model does not fit: %,d parameters in %s need %s of weights + %s runtime reserve = %s,"
                            + " but only %s is available (%s); %s",
                    config.parameterCount(), computeType, gib(weights), gib(RUNTIME_RESERVE_BYTES), gib(required),
                    gib(available), limitBytes > 0 ? "the configured limit" : "the machine's memory",
                    computeType.getNumOfBytes() > 2 ? "use a 16-bit or 8-bit compute dtype, or more memory"
                            : "use 8-bit weights or more memory"),
                    required, available);
        }
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
