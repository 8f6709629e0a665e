package dev.seedj.core.weights;

/**
 * A reference to a PyTorch storage as a pickle's persistent id names it: the record holding its bytes, its
 * element type, its length, and (for the legacy format's storage views) where it starts inside that record.
 *
 * <p>Immutable; thread-safe.
 *
 * @param key the storage record ({@code <top>/data/<key>} in a zip, a record id in the legacy format)
 * @param dtype the element type
 * @param numel the number of elements the persistent id declares
 * @param elementOffset first element inside the record (non-zero only for legacy storage views)
 */
record TorchStorage(String key, DType dtype, long numel, long elementOffset) {

    /**
     * Reads a persistent id: {@code ('storage', storage_type, key, location, numel)} as zip checkpoints
     * write it, or {@code ('storage', storage_type, key, location, numel, view_metadata)} with
     * {@code view_metadata = None | (view_key, offset, view_numel)} as the legacy format writes it.
     *
     * @param pid the unpickled persistent id
     * @param file the checkpoint, for messages
     * @return the storage reference
     * @throws CheckpointException if the id is malformed
     */
    static TorchStorage fromPersistentId(Object pid, String file) {
        if (!(pid instanceof Object[] tuple) || (tuple.length != 5 && tuple.length != 6)
                || !"storage".equals(tuple[0])) {
            throw new CheckpointException(file + ": unsupported pickle persistent id (expected a "
                    + "('storage', type, key, location, numel) tuple)");
        }
        if (!(tuple[1] instanceof TorchGlobals.StorageType type)) {
            throw new CheckpointException(file + ": persistent id names no torch storage type");
        }
        if (!(tuple[2] instanceof String key)) {
            throw new CheckpointException(file + ": persistent id has no string storage key");
        }
        long numel = PickleValues.natural(tuple[4], file, "storage '" + key + "' numel");
        if (tuple.length == 6 && tuple[5] != null) {
            if (!(tuple[5] instanceof Object[] view) || view.length != 3) {
                throw new CheckpointException(file + ": storage '" + key + "' has malformed view metadata");
            }
            long offset = PickleValues.natural(view[1], file, "storage view offset");
            long viewNumel = PickleValues.natural(view[2], file, "storage view numel");
            return new TorchStorage(key, type.dtype(), viewNumel, offset);
        }
        return new TorchStorage(key, type.dtype(), numel, 0);
    }

    /**
     * @return bytes of the record this storage needs: {@code (elementOffset + numel) * element size}
     * @throws ArithmeticException on overflow
     */
    long requiredRecordBytes() {
        return Math.multiplyExact(Math.addExact(elementOffset, numel), dtype.byteSize());
    }
}
