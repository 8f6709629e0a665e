package dev.seedj.core.weights;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Opens a checkpoint written by {@code torch.save} in its zip format ({@code .pth}, {@code .pt},
 * {@code .bin}): a folder of any name holding {@code data.pkl} (the pickled object), {@code data/<key>} (one
 * record per storage) and optionally {@code byteorder}. Storage records are read lazily, one tensor at a time;
 * float32 records stored uncompressed and aligned (as {@code torch.save} writes them) are mapped in place.
 *
 * <p>Stateless; thread-safe. The state dict it returns reads through a {@link ZipFile}, which is thread-safe.
 */
final class TorchZipCheckpoint {
    /** Deflate cannot expand data by more than about 1032:1. */
    private static final long MAX_DEFLATE_RATIO = 1100;

    private TorchZipCheckpoint() {
    }

    /**
     * @param file a zip checkpoint
     * @return its tensors
     * @throws CheckpointException if the archive is truncated, corrupt, unsafe or not a torch.save checkpoint
     */
    static StateDict open(Path file) {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": not a readable zip archive (truncated or corrupt?): "
                    + e.getMessage(), e);
        }
        try {
            return read(file, zip);
        } catch (RuntimeException e) {
            try {
                zip.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private static StateDict read(Path file, ZipFile zip) {
        String name = file.toString();
        long fileSize = fileSize(file);
        String top = topFolder(zip, name);
        if (zip.getEntry(top + "constants.pkl") != null) {
            throw new CheckpointException(name + ": a TorchScript archive (torch.jit.save), not a state dict");
        }
        checkByteOrder(zip, top, name, fileSize);
        ZipEntry pickle = zip.getEntry(top + "data.pkl");
        long pickleSize = checkedSize(pickle, name, fileSize);
        Entries entries = new Entries(zip, top, name, fileSize, ZipRecordOffsets.read(file));
        Object root;
        try (InputStream in = zip.getInputStream(pickle)) {
            PickleInput input = new PickleInput(new BufferedInputStream(in), pickleSize);
            root = new TorchUnpickler(name, pid -> TorchStorage.fromPersistentId(pid, name))
                    .read(input, top + "data.pkl");
        } catch (IOException e) {
            throw new CheckpointException(name + ": cannot read " + pickle.getName() + ": " + e.getMessage(), e);
        }
        return new PickledStateDict(file, StateDictUnwrapper.tensors(root, name), entries);
    }

    /** The single top-level folder holding {@code data.pkl}, with its trailing slash. */
    private static String topFolder(ZipFile zip, String name) {
        List<String> tops = zip.stream()
                .map(ZipEntry::getName)
                .filter(n -> n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length())
                .map(n -> n.substring(0, n.length() - "data.pkl".length()))
                .toList();
        if (tops.size() != 1) {
            throw new CheckpointException(name + ": zip archive has " + (tops.isEmpty() ? "no" : tops.size())
                    + " <folder>/data.pkl entries" + (tops.isEmpty() ? "" : " " + tops)
                    + "; not a torch.save checkpoint");
        }
        return tops.get(0);
    }

    private static void checkByteOrder(ZipFile zip, String top, String name, long fileSize) {
        ZipEntry entry = zip.getEntry(top + "byteorder");
        if (entry == null) {
            return;
        }
        long size = checkedSize(entry, name, fileSize);
        try (InputStream in = zip.getInputStream(entry)) {
            String order = new String(in.readNBytes((int) Math.min(size, 16)), StandardCharsets.US_ASCII).trim();
            if (!order.equals("little")) {
                throw new CheckpointException(name + ": byte order '" + order + "' is not supported (only little)");
            }
        } catch (IOException e) {
            throw new CheckpointException(name + ": cannot read " + entry.getName() + ": " + e.getMessage(), e);
        }
    }

    /** The uncompressed size, checked to be plausible for the archive's size (no zip bombs, no lies). */
    static long checkedSize(ZipEntry entry, String name, long fileSize) {
        long size = entry.getSize();
        long compressed = entry.getCompressedSize();
        boolean plausible = size >= 0 && compressed >= 0 && compressed <= fileSize
                && (entry.getMethod() == ZipEntry.STORED ? size == compressed
                        : size <= compressed * MAX_DEFLATE_RATIO + 1024);
        if (!plausible) {
            throw new CheckpointException(name + ": zip entry " + entry.getName() + " declares " + size
                    + " bytes (" + compressed + " compressed) in a " + fileSize + "-byte archive (corrupt?)");
        }
        return size;
    }

    private static long fileSize(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read its size: " + e.getMessage(), e);
        }
    }

    /** Storage records {@code <top>data/<key>} of the archive. */
    private static final class Entries implements PickledStateDict.StorageReader {
        private final ZipFile zip;
        private final String top;
        private final String name;
        private final long fileSize;
        private final ZipRecordOffsets offsets;

        Entries(ZipFile zip, String top, String name, long fileSize, ZipRecordOffsets offsets) {
            this.zip = zip;
            this.top = top;
            this.name = name;
            this.fileSize = fileSize;
            this.offsets = offsets;
        }

        @Override
        public long filePosition(String key) {
            ZipEntry entry = entry(key);
            // only where the JDK's reading of the archive agrees: a stored record of the same size
            boolean stored = entry.getMethod() == ZipEntry.STORED && entry.getSize() == entry.getCompressedSize();
            return stored ? offsets.dataStart(entry.getName(), entry.getSize()) : -1;
        }

        @Override
        public long byteLength(String key) {
            return checkedSize(entry(key), "the archive", fileSize);
        }

        @Override
        public ByteBuffer read(String key, long byteOffset, int byteLength) {
            ZipEntry entry = entry(key);
            try (InputStream in = zip.getInputStream(entry)) {
                in.skipNBytes(byteOffset);
                byte[] bytes = in.readNBytes(byteLength);
                if (bytes.length != byteLength) {
                    throw new CheckpointException("zip entry " + entry.getName() + " ends early (truncated?)");
                }
                return ByteBuffer.wrap(bytes);
            } catch (IOException | IllegalStateException e) {
                throw new CheckpointException("cannot read zip entry " + entry.getName()
                        + " (truncated or corrupt?): " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                zip.close();
            } catch (IOException e) {
                throw new CheckpointException(name + ": cannot close: " + e.getMessage(), e);
            }
        }

        private ZipEntry entry(String key) {
            ZipEntry entry = zip.getEntry(top + "data/" + key);
            if (entry == null) {
                throw new CheckpointException("storage record " + top + "data/" + key
                        + " is missing from the archive");
            }
            return entry;
        }
    }
}
