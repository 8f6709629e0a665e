package dev.seedj.core.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the bytes of each uncompressed ({@code STORED}) record of a zip archive start in the file, read from the
 * central directory (ZIP64 included) and the records' local headers. {@code torch.save} stores every tensor record
 * uncompressed and pads its local header so that the data starts at a multiple of 64 bytes, so such records can be
 * mapped in place. {@link java.util.zip.ZipFile} does not expose these offsets.
 *
 * <p>Immutable; thread-safe.
 */
final class ZipRecordOffsets {
    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final int EOCD_SIZE = 22;
    private static final int MAX_COMMENT = 0xffff;
    private static final int ZIP64_EXTRA = 0x0001;
    private static final int STORED = 0;

    /** name -> {first data byte in the file, length}, for stored records only. */
    private final Map<String, long[]> dataStarts;

    private ZipRecordOffsets(Map<String, long[]> dataStarts) {
        this.dataStarts = dataStarts;
    }

    /**
     * @param file a zip archive
     * @return the offsets of its stored records; empty if the layout is not understood (callers then copy)
     */
    static ZipRecordOffsets read(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return new ZipRecordOffsets(scan(channel));
        } catch (IOException | RuntimeException e) {
            return new ZipRecordOffsets(Map.of());
        }
    }

    /**
     * @param name a record name
     * @param length the record's length as the caller validated it
     * @return the file position of its first data byte, or -1 if it is compressed, unknown, not understood, or its
     *     length in the central directory is not {@code length}
     */
    long dataStart(String name, long length) {
        long[] record = dataStarts.get(name);
        return record == null || record[1] != length ? -1 : record[0];
    }

    private static Map<String, long[]> scan(FileChannel channel) throws IOException {
        long size = channel.size();
        int tailLength = (int) Math.min(size, EOCD_SIZE + MAX_COMMENT);
        ByteBuffer tail = read(channel, size - tailLength, tailLength);
        int eocd = -1;
        for (int i = tailLength - EOCD_SIZE; i >= 0; i--) {
            if (tail.getInt(i) == EOCD) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            return Map.of();
        }
        long entries = tail.getShort(eocd + 10) & 0xffff;
        long directorySize = tail.getInt(eocd + 12) & 0xffffffffL;
        long directoryStart = tail.getInt(eocd + 16) & 0xffffffffL;
        long eocdPosition = size - tailLength + eocd;
        if (eocdPosition >= 20) {
            ByteBuffer locator = read(channel, eocdPosition - 20, 20);
            if (locator.getInt(0) == ZIP64_LOCATOR) {
                ByteBuffer record = read(channel, locator.getLong(8), 56);
                if (record.getInt(0) != ZIP64_EOCD) {
                    return Map.of();
                }
                entries = record.getLong(32);
                directorySize = record.getLong(40);
                directoryStart = record.getLong(48);
            }
        }
        if (directoryStart < 0 || directorySize < 0 || directoryStart + directorySize > size
                || directorySize > Integer.MAX_VALUE) {
            return Map.of();
        }
        ByteBuffer directory = read(channel, directoryStart, (int) directorySize);
        Map<String, long[]> out = new HashMap<>();
        int at = 0;
        for (long n = 0; n < entries && at + 46 <= directorySize; n++) {
            if (directory.getInt(at) != CENTRAL) {
                return Map.of();
            }
            int method = directory.getShort(at + 10) & 0xffff;
            long compressed = directory.getInt(at + 20) & 0xffffffffL;
            long uncompressed = directory.getInt(at + 24) & 0xffffffffL;
            int nameLength = directory.getShort(at + 28) & 0xffff;
            int extraLength = directory.getShort(at + 30) & 0xffff;
            int commentLength = directory.getShort(at + 32) & 0xffff;
            long localHeader = directory.getInt(at + 42) & 0xffffffffL;
            byte[] nameBytes = new byte[nameLength];
            directory.get(at + 46, nameBytes);
            // ZIP64 extra field: the 64-bit values of the fields set to 0xffffffff, in this order
            int extra = at + 46 + nameLength;
            for (int e = extra; e + 4 <= extra + extraLength; ) {
                int id = directory.getShort(e) & 0xffff;
                int length = directory.getShort(e + 2) & 0xffff;
                if (id == ZIP64_EXTRA) {
                    int field = e + 4;
                    if (uncompressed == 0xffffffffL) {
                        uncompressed = directory.getLong(field);
                        field += 8;
                    }
                    if (compressed == 0xffffffffL) {
                        compressed = directory.getLong(field);
                        field += 8;
                    }
                    if (localHeader == 0xffffffffL) {
                        localHeader = directory.getLong(field);
                    }
                }
                e += 4 + length;
            }
            at += 46 + nameLength + extraLength + commentLength;
            if (method != STORED || compressed != uncompressed || localHeader + 30 > size) {
                continue;
            }
            ByteBuffer local = read(channel, localHeader, 30);
            if (local.getInt(0) != LOCAL) {
                return Map.of();
            }
            long dataStart = localHeader + 30 + (local.getShort(26) & 0xffff) + (local.getShort(28) & 0xffff);
            if (dataStart + uncompressed <= size) {
                out.put(new String(nameBytes, StandardCharsets.UTF_8), new long[] {dataStart, uncompressed});
            }
        }
        return Map.copyOf(out);
    }

    private static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        return buffer.flip();
    }
}
