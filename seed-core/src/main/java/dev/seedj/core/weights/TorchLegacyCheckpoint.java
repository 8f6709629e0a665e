package dev.seedj.core.weights;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens a checkpoint in the legacy (pre-1.6, {@code _use_new_zipfile_serialization=False}) {@code torch.save}
 * format: five pickles in a row (the magic number {@code 0x1950a86a20f9469cfc6c}, the protocol version 1001,
 * a {@code sys_info} dict, the object itself, the list of storage keys), then each listed storage as a
 * little-endian int64 element count followed by its raw bytes.
 *
 * <p>Stateless; thread-safe. The state dict it returns reads with positional {@link FileChannel} reads,
 * which are thread-safe.
 */
final class TorchLegacyCheckpoint {
    static final BigInteger MAGIC_NUMBER = new BigInteger("1950a86a20f9469cfc6c", 16);
    static final int PROTOCOL_VERSION = 1001;

    private TorchLegacyCheckpoint() {
    }

    /**
     * @param file a legacy checkpoint
     * @return its tensors
     * @throws CheckpointException if the file is truncated, corrupt, unsafe or not a torch.save checkpoint
     */
    static StateDict open(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot open: " + e, e);
        }
        try {
            return read(file, channel);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            if (e instanceof CheckpointException ce) {
                throw ce;
            }
            throw new CheckpointException(file + ": cannot read: " + e, e);
        }
    }

    private static StateDict read(Path file, FileChannel channel) throws IOException {
        String name = file.toString();
        long fileSize = channel.size();
        // not closed: closing it would close the channel, which the state dict keeps
        PickleInput input = new PickleInput(new BufferedInputStream(Channels.newInputStream(channel)), fileSize);
        Object magic = pickle(name, input, "magic number", null);
        if (!(magic instanceof BigInteger big) || !big.equals(MAGIC_NUMBER)) {
            throw new CheckpointException(name + ": starts with a pickle but not the torch.save magic number; "
                    + "not a torch.save checkpoint");
        }
        Object protocol = pickle(name, input, "protocol version", null);
        if (!(protocol instanceof Integer version) || version != PROTOCOL_VERSION) {
            throw new CheckpointException(name + ": unsupported legacy torch.save protocol version " + protocol);
        }
        Object sysInfo = pickle(name, input, "sys_info", null);
        if (!(sysInfo instanceof Map<?, ?> info) || !Boolean.TRUE.equals(info.get("little_endian"))) {
            throw new CheckpointException(name + ": legacy checkpoint is not marked little-endian; not supported");
        }
        Map<String, DType> storageTypes = new HashMap<>();
        Object root = pickle(name, input, "main pickle", storageTypes);
        Object keys = pickle(name, input, "storage key list", null);
        if (!(keys instanceof List<?> keyList)) {
            throw new CheckpointException(name + ": the storage key list is a " + PickleValues.kind(keys));
        }
        Records records = new Records(channel, name);
        long position = input.position();
        for (Object key : keyList) {
            DType dtype = key instanceof String k ? storageTypes.get(k) : null;
            if (dtype == null) {
                throw new CheckpointException(name + ": storage key list names a storage the pickle never uses");
            }
            position = records.add((String) key, dtype, position, fileSize);
        }
        return new PickledStateDict(file, StateDictUnwrapper.tensors(root, name), records);
    }

    /** Reads the next pickle; persistent ids are resolved (and their storage types recorded) if asked. */
    private static Object pickle(String name, PickleInput input, String what, Map<String, DType> storageTypes) {
        TorchUnpickler unpickler = new TorchUnpickler(name, pid -> {
            if (storageTypes == null) {
                throw new CheckpointException(name + ": unexpected persistent id in the " + what);
            }
            TorchStorage storage = TorchStorage.fromPersistentId(pid, name);
            storageTypes.putIfAbsent(storage.key(), storage.dtype());
            return storage;
        });
        return unpickler.read(input, what);
    }

    /** The storage records after the pickles: key -> (data position, byte length). */
    private static final class Records implements PickledStateDict.StorageReader {
        private final FileChannel channel;
        private final String name;
        private final Map<String, long[]> spans = new HashMap<>();

        Records(FileChannel channel, String name) {
            this.channel = channel;
            this.name = name;
        }

        /** Reads the record header at {@code position}; returns where the next record starts. */
        long add(String key, DType dtype, long position, long fileSize) throws IOException {
            ByteBuffer count = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(count, position);
            long numel = count.flip().getLong();
            long dataStart = position + 8;
            if (numel < 0 || numel > (fileSize - dataStart) / dtype.byteSize()) {
                throw new CheckpointException(name + ": storage '" + key + "' claims " + numel + " " + dtype
                        + " elements at byte " + position + " but the file has " + fileSize + " bytes (truncated?)");
            }
            long byteLength = numel * dtype.byteSize();
            spans.put(key, new long[] {dataStart, byteLength});
            return dataStart + byteLength;
        }

        @Override
        public long byteLength(String key) {
            return span(key)[1];
        }

        @Override
        public ByteBuffer read(String key, long byteOffset, int byteLength) {
            ByteBuffer buffer = ByteBuffer.allocate(byteLength);
            try {
                readFully(buffer, span(key)[0] + byteOffset);
            } catch (IOException e) {
                throw new CheckpointException("cannot read storage '" + key + "': " + e.getMessage(), e);
            }
            return buffer.flip();
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                throw new CheckpointException(name + ": cannot close: " + e.getMessage(), e);
            }
        }

        private long[] span(String key) {
            long[] span = spans.get(key);
            if (span == null) {
                throw new CheckpointException("storage '" + key + "' is not in the file's storage key list");
            }
            return span;
        }

        private void readFully(ByteBuffer buffer, long position) throws IOException {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, position + buffer.position()) < 0) {
                    throw new CheckpointException(name + ": unexpected end of file at byte "
                            + (position + buffer.position()) + " (truncated?)");
                }
            }
        }
    }
}
