package dev.seedj.core.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file read lazily: opening it reads and validates only the header; {@link #get} maps just
 * the bytes of the requested tensor (so files and offsets beyond 2 GiB work, and reading one tensor does not
 * read the file). Float32 tensors whose data is aligned (as every writer that pads its header to 8 bytes leaves
 * them) are used in place from a private mapping of the file, without a copy ({@link FileMappings}). Most callers
 * use {@link StateDict#open}; this type adds access to the {@code __metadata__} map.
 *
 * <p>Thread-safe: tensors may be read concurrently; {@link #close()} must not race with reads.
 */
public final class SafetensorsFile extends FileStateDict {
    private final FileChannel channel;
    private final SafetensorsHeader header;

    private SafetensorsFile(Path file, FileChannel channel, SafetensorsHeader header) {
        super(file);
        this.channel = channel;
        this.header = header;
    }

    /**
     * Opens a safetensors file and validates its header: header length within the file, well-formed JSON,
     * known dtypes, shapes that match their byte ranges, byte ranges inside the file and not overlapping.
     *
     * @param file the {@code .safetensors} file
     * @return the open file; close it to release the handle
     * @throws CheckpointException naming the file (and key) if it is unreadable or inconsistent
     */
    public static SafetensorsFile open(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot open: " + e, e);
        }
        try {
            return new SafetensorsFile(file, channel, SafetensorsHeader.read(channel, file.toString()));
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel, e);
            if (e instanceof CheckpointException ce) {
                throw ce;
            }
            throw new CheckpointException(file + ": cannot read the safetensors header: " + e, e);
        }
    }

    /** @return the header's {@code __metadata__} string map (empty if absent); unmodifiable */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    @Override
    public Set<String> keys() {
        return header.entries().keySet();
    }

    @Override
    public boolean contains(String key) {
        return header.entries().containsKey(key);
    }

    @Override
    public TensorInfo info(String key) {
        return entry(key).info();
    }

    @Override
    ByteBuffer readBytes(String key, TensorInfo info, int byteLength) {
        SafetensorsHeader.Entry entry = entry(key);
        if (byteLength == 0) {
            return ByteBuffer.allocate(0);
        }
        long position = header.dataStart() + entry.begin();
        try {
            if (channel.size() < position + byteLength) {
                throw problem(key, "lies beyond the end of the file (was it truncated after opening?)");
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, position, byteLength).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw problem(key, "could not be mapped: " + e);
        }
    }

    @Override
    ByteBuffer mapInPlace(String key, TensorInfo info, int byteLength) {
        long position = header.dataStart() + entry(key).begin();
        if (position % info.dtype().byteSize() != 0 || !PrivateFileMapping.available()) {
            return null; // unaligned elements (a header not padded to 8 bytes), or no private mapping here: copy
        }
        try {
            if (channel.size() < position + byteLength) {
                throw problem(key, "lies beyond the end of the file (was it truncated after opening?)");
            }
        } catch (IOException e) {
            throw problem(key, "could not be mapped: " + e);
        }
        return PrivateFileMapping.map(file(), position, byteLength);
    }

    @Override
    void closeFile() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new CheckpointException(file() + ": cannot close: " + e, e);
        }
    }

    private SafetensorsHeader.Entry entry(String key) {
        SafetensorsHeader.Entry entry = header.entries().get(key);
        if (entry == null) {
            throw missing(key);
        }
        return entry;
    }

    private static void closeQuietly(FileChannel channel, Exception failure) {
        try {
            channel.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
