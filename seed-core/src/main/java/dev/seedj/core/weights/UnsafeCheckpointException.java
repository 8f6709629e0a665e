package dev.seedj.core.weights;

/**
 * A pickled checkpoint referenced a Python global (a class or function) that is not on the allow-list of
 * what {@code torch.save} writes for a state dict. Nothing from the file was executed; the message names
 * the refused global, e.g. {@code os.system}.
 *
 * <p>Instances are immutable and therefore thread-safe.
 */
public class UnsafeCheckpointException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    /** The refused global as {@code module.name}. */
    private final String global;

    /**
     * @param file the checkpoint being read
     * @param global the refused global as {@code module.name}
     */
    public UnsafeCheckpointException(String file, String global) {
        super(file + ": refused to load the pickle global '" + global
                + "': it is not on the allow-list of what torch.save writes for state dicts");
        this.global = global;
    }

    /** @return the refused global as {@code module.name} */
    public String global() {
        return global;
    }
}
