package dev.seedj.core.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Arrays that live directly in a memory-mapped checkpoint file (zero-copy weights).
 *
 * <p>libtorch reads such an array from the mapped pages ({@code from_blob}: DJL's {@code PtNDManager.create} of a
 * direct {@link ByteBuffer} does not copy on the CPU), so loading reads nothing and the resident pages are the
 * file's page cache, shared by every process that maps the same file. The mapping must outlive every tensor that
 * reads it, views included: besides the array's own reference to the buffer, the manager that owns the array also
 * owns the mapping ({@link NDManager#attachInternal}) and releases it only when it closes, i.e. with the model. The
 * file handle itself may be closed earlier: a mapping does not need it.
 *
 * <p>Mappings are private (copy-on-write): an in-place operation on such a weight (an optimizer step, a
 * {@code copyTo} into it) succeeds and copies the pages it writes into process memory; the file never changes.
 *
 * <p>Thread-safe.
 */
public final class FileMappings {
    /** uids of the arrays created over mapped bytes whose mapping is still held. */
    private static final Set<String> MAPPED = ConcurrentHashMap.newKeySet();

    private FileMappings() {}

    /**
     * @param array an array
     * @return true if it reads a memory-mapped checkpoint file directly (no copy was made when it was loaded)
     */
    public static boolean isMapped(NDArray array) {
        return MAPPED.contains(array.getUid());
    }

    /**
     * Creates an array over mapped bytes without copying them and makes {@code manager} own the mapping.
     *
     * @param mapped a direct buffer mapped from the file, little-endian, exactly the tensor's bytes
     * @param shape the tensor's shape
     * @param dataType its element type, matching the bytes
     * @param manager owns the array and the mapping
     * @return the array
     */
    static NDArray wrap(ByteBuffer mapped, Shape shape, DataType dataType, NDManager manager) {
        return over(mapped, shape, dataType, manager, true);
    }

    /**
     * Creates an array over a direct buffer without copying it and makes {@code manager} keep the buffer (so that
     * views of the array, e.g. a bfloat16 view, stay valid while the manager is open).
     *
     * @param direct a native-order direct buffer, exactly the tensor's bytes
     * @param shape the tensor's shape
     * @param dataType its element type, matching the bytes
     * @param manager owns the array and the buffer
     * @return the array
     */
    static NDArray keep(ByteBuffer direct, Shape shape, DataType dataType, NDManager manager) {
        return over(direct, shape, dataType, manager, false);
    }

    private static NDArray over(ByteBuffer buffer, Shape shape, DataType dataType, NDManager manager, boolean mapped) {
        NDArray array = manager.create(buffer, shape, dataType);
        String uid = array.getUid();
        if (mapped) {
            MAPPED.add(uid);
        }
        manager.attachInternal("mapping-" + UUID.randomUUID(), new Holder(buffer, uid));
        return array;
    }

    /** Keeps one mapping reachable until its manager closes; the garbage collector unmaps it afterwards. */
    private static final class Holder implements AutoCloseable {
        private final String uid;
        @SuppressWarnings({"unused", "FieldCanBeLocal"}) // the reference is the point: it keeps the mapping alive
        private ByteBuffer mapping;

        Holder(ByteBuffer mapping, String uid) {
            this.mapping = mapping;
            this.uid = uid;
        }

        @Override
        public void close() {
            mapping = null;
            MAPPED.remove(uid);
        }
    }
}
