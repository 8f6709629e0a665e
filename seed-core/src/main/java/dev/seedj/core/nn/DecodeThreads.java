package dev.seedj.core.nn;

import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * How a decoding step uses the cores. A batch-1 step streams every weight matrix once through {@link MatVec};
 * what lies between those products (norms, attention over the cache, the residual adds) are libtorch operations of a
 * few microseconds each. libtorch runs them with one OpenMP thread per core, whose idle threads spin-wait for the next
 * operation: between the products they occupy the cores the kernel could read with, so splitting the kernel over a
 * second thread made decoding slower, and even one kernel thread shares its core's memory pipeline with a spinning
 * sibling. {@link #streaming} therefore runs a step with libtorch's intra-op threads on the calling thread set to 1
 * (no thread is woken, so none spins) and {@link MatVec}'s rows split over every core. On the 2-core benchmark machine
 * this made OPT-1.3b decode 1.8 x as fast in float32 and 2.4 x in bfloat16 (docs/benchmarks.md).
 *
 * <p>{@code -Dseedj.decode.threads=N} sets the kernel's threads in such a step (default: the available processors;
 * 1 keeps libtorch's threads as they are and the kernel on the calling thread, the behaviour before).
 *
 * <p>Thread-safe. libtorch's thread count is per calling thread (OpenMP's {@code omp_set_num_threads}) and is
 * restored when the step ends; libtorch also remembers the last count set as the one threads it meets for the first
 * time start with, so a thread making its first libtorch call while another is inside {@link #streaming} may run
 * single-threaded until it sets its own.
 */
public final class DecodeThreads {
    /**
     * The system property that, set to {@code libtorch}, keeps every decoding step in libtorch's forward pass instead
     * of the models' Java steps ({@link #javaSteps()}).
     */
    public static final String STEP_PROPERTY = "seedj.decode.step";

    private static final int KERNEL_THREADS = Math.max(1, Integer.getInteger("seedj.decode.threads",
            Runtime.getRuntime().availableProcessors()));

    private DecodeThreads() {}

    /**
     * @param rows the rows of a decoding step (one new token each)
     * @param int8 the kind of product of the model's int8 linear layers, or null where its weights are not int8
     * @return whether every matrix product of such a step goes through {@link MatVec}, so that it should run in
     *     {@link #streaming}: the kernel is available and the step has one row (float32, bfloat16 or weight-only int8
     *     weights) or, with weight-only int8, at most {@link Int8Linear#GEMV_ROWS} rows (multiplied one by one);
     *     dynamic int8 products are fbgemm's, multi-threaded by libtorch
     */
    public static boolean streams(int rows, Int8Linear.Activations int8) {
        if (!MatVec.available() || int8 == Int8Linear.Activations.INT8) {
            return false;
        }
        return rows == 1 || int8 == Int8Linear.Activations.FLOAT32 && rows <= Int8Linear.GEMV_ROWS;
    }

    /**
     * @return whether a decoding step of one sequence may run in Java altogether (OPT's and LLaMA's decode steps: the
     *     hidden row a Java array, the products by {@link MatVec}, the norms and the attention in Java): the kernel
     *     is available and {@value #STEP_PROPERTY} is not {@code libtorch}. Read at every step.
     */
    public static boolean javaSteps() {
        return MatVec.available() && !"libtorch".equals(System.getProperty(STEP_PROPERTY));
    }

    /**
     * The conditions every model's Java step shares (each model adds its own, e.g. its weight and activation types).
     *
     * @param sequences the step's batch rows
     * @param newTokens the new tokens per row
     * @param cache the generation's cache
     * @return whether {@link #javaSteps()} holds, autograd is not recording, the step is one new token of one sequence,
     *     and the cache holds that sequence's prompt as one float32 row ({@link KvCache#appendsRows()})
     */
    public static boolean javaStep(int sequences, int newTokens, KvCache cache) {
        return javaStepOnOneRow(sequences, newTokens, cache) && cache.appendsRows();
    }

    /**
     * {@link #javaStep} for a model that widens its cache to float32 rows before its Java step
     * ({@link KvCache#storeAs}): the cache may hold its row in another type.
     *
     * @param sequences the step's batch rows
     * @param newTokens the new tokens per row
     * @param cache the generation's cache
     * @return whether {@link #javaSteps()} holds, autograd is not recording, the step is one new token of one sequence,
     *     and the cache holds that sequence's prompt as one row on the CPU ({@link KvCache#holdsOneRow()})
     */
    public static boolean javaStepOnOneRow(int sequences, int newTokens, KvCache cache) {
        return javaSteps() && !TorchAutograd.isRecording() && sequences == 1 && newTokens == 1 && cache.holdsOneRow();
    }

    /**
     * Runs one decoding step whose large products go through {@link MatVec} with single-threaded libtorch on this
     * thread and the kernel split over {@code seedj.decode.threads} threads; nested calls run as the outer one.
     *
     * @param step the step
     * @param <T> its result
     * @return what {@code step} returns
     */
    public static <T> T streaming(Supplier<T> step) {
        if (KERNEL_THREADS == 1 || MatVec.streamingParts() > 1) {
            return step.get();
        }
        int libtorchThreads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        MatVec.setStreamingParts(KERNEL_THREADS);
        try {
            return step.get();
        } finally {
            MatVec.setStreamingParts(1);
            JniUtils.setNumThreads(libtorchThreads);
        }
    }
}
