package dev.seedj.core.weights;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The tensors of an unpickled {@code torch.save} checkpoint (zip or legacy). Every view is checked against
 * its storage when the file is opened; tensor bytes are read only when asked for.
 *
 * <p>Thread-safe if its {@link StorageReader} is; {@link #close()} must not race with reads.
 */
final class PickledStateDict extends FileStateDict {

    /** Where a checkpoint format keeps its storages' bytes. */
    interface StorageReader {
        /**
         * @param key a storage key from a persistent id
         * @return the bytes the record holds
         * @throws CheckpointException if there is no such record (the message need not name the file)
         */
        long byteLength(String key);

        /**
         * @param key a storage key
         * @param byteOffset first byte to read
         * @param byteLength bytes to read, within the record
         * @return exactly those bytes from position 0
         * @throws CheckpointException if they cannot be read (the message need not name the file)
         */
        ByteBuffer read(String key, long byteOffset, int byteLength);

        /**
         * @param key a storage key
         * @return the file position of the record's first byte if the record lies uncompressed in the file (so
         *     that it can be mapped in place), else -1
         */
        default long filePosition(String key) {
            return -1;
        }

        /** Releases the file. */
        void close();
    }

    private final Map<String, TorchTensor> tensors;
    private final StorageReader storages;

    /**
     * @param file the checkpoint
     * @param tensors key -> tensor view, in file order
     * @param storages the storage bytes; this object takes ownership
     * @throws CheckpointException naming the key if a view does not fit its storage
     */
    PickledStateDict(Path file, Map<String, TorchTensor> tensors, StorageReader storages) {
        super(file);
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        this.storages = storages;
        tensors.forEach(this::check);
    }

    @Override
    public Set<String> keys() {
        return tensors.keySet();
    }

    @Override
    public boolean contains(String key) {
        return tensors.containsKey(key);
    }

    @Override
    public TensorInfo info(String key) {
        return tensor(key).info();
    }

    @Override
    ByteBuffer readBytes(String key, TensorInfo info, int byteLength) {
        if (byteLength == 0) {
            return ByteBuffer.allocate(0);
        }
        TorchTensor tensor = tensor(key);
        TorchStorage storage = tensor.storage();
        int elementSize = storage.dtype().byteSize();
        long spanBytes = (tensor.requiredElements() - tensor.offset()) * elementSize;
        if (spanBytes > MAX_ARRAY) {
            throw problem(key, "(" + tensor.describe() + ") spans " + spanBytes
                    + " storage bytes, too many to read at once");
        }
        long start = (storage.elementOffset() + tensor.offset()) * elementSize;
        ByteBuffer region;
        try {
            region = storages.read(storage.key(), start, (int) spanBytes);
        } catch (CheckpointException e) {
            throw problem(key, "could not be read: " + e.getMessage(), e);
        }
        return tensor.isContiguous() ? region : StridedView.gather(region, elementSize, tensor.shape(),
                tensor.stride());
    }

    @Override
    ByteBuffer mapInPlace(String key, TensorInfo info, int byteLength) {
        TorchTensor tensor = tensor(key);
        if (!tensor.isContiguous() || !PrivateFileMapping.available()) {
            return null;
        }
        TorchStorage storage = tensor.storage();
        long record = storages.filePosition(storage.key());
        int elementSize = storage.dtype().byteSize();
        long position = record + (storage.elementOffset() + tensor.offset()) * elementSize;
        if (record < 0 || position % elementSize != 0) {
            return null; // compressed or unaligned: copy
        }
        return PrivateFileMapping.map(file(), position, byteLength);
    }

    @Override
    void closeFile() {
        storages.close();
    }

    private TorchTensor tensor(String key) {
        TorchTensor tensor = tensors.get(key);
        if (tensor == null) {
            throw missing(key);
        }
        return tensor;
    }

    private void check(String key, TorchTensor tensor) {
        TorchStorage storage = tensor.storage();
        long recordBytes;
        try {
            recordBytes = storages.byteLength(storage.key());
        } catch (CheckpointException e) {
            throw problem(key, "has no usable storage: " + e.getMessage(), e);
        }
        long needed;
        long declaredBytes;
        try {
            needed = tensor.requiredElements();
            declaredBytes = storage.requiredRecordBytes();
        } catch (ArithmeticException e) {
            throw problem(key, "has a view (" + tensor.describe() + ") whose extent overflows 64 bits", e);
        }
        if (declaredBytes > recordBytes) {
            throw problem(key, "uses storage '" + storage.key() + "' declared with " + storage.numel() + " "
                    + storage.dtype() + " elements (" + declaredBytes + " bytes) but its record holds only "
                    + recordBytes + " bytes (truncated?)");
        }
        if (needed > storage.numel()) {
            throw problem(key, "is a view (" + tensor.describe() + ") needing " + needed
                    + " elements but its storage '" + storage.key() + "' holds " + storage.numel());
        }
    }
}
