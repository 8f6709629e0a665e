package dev.seedj.examples.bench;

/**
 * The libtorch thread settings of a benchmark process. Both properties are read once, when the engine starts, so
 * {@link #defaultToAllCores()} must run before the first array operation.
 *
 * <p>Stateless; call {@link #defaultToAllCores()} from {@code main} before other threads start.
 */
final class LibtorchThreads {
    private static final String INTRA_OP = "ai.djl.pytorch.num_threads";
    private static final String INTER_OP = "ai.djl.pytorch.num_interop_threads";

    private LibtorchThreads() {}

    /** Sets, where the command line did not, one intra-op thread per core and one inter-op thread. */
    static void defaultToAllCores() {
        if (System.getProperty(INTRA_OP) == null) {
            System.setProperty(INTRA_OP, Integer.toString(Runtime.getRuntime().availableProcessors()));
        }
        if (System.getProperty(INTER_OP) == null) {
            System.setProperty(INTER_OP, "1");
        }
    }

    /** @return the intra-op threads libtorch runs with: the configured number, else one per core */
    static int intraOp() {
        String configured = System.getProperty(INTRA_OP);
        return configured != null ? Integer.parseInt(configured) : Runtime.getRuntime().availableProcessors();
    }
}
