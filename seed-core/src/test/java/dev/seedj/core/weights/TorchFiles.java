package dev.seedj.core.weights;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes torch.save-style files (zip and legacy) from hand-made pickles, for tests. */
final class TorchFiles {
    private TorchFiles() {
    }

    /** A zip checkpoint: {@code <top>/data.pkl}, {@code <top>/data/<key>}, {@code <top>/version}, stored. */
    static Path zip(Path file, String top, byte[] pickle, Map<String, byte[]> storages) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(top + "/data.pkl", pickle);
        storages.forEach((key, bytes) -> entries.put(top + "/data/" + key, bytes));
        entries.put(top + "/version", "3\n".getBytes());
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                ZipEntry zipEntry = new ZipEntry(entry.getKey());
                zipEntry.setMethod(ZipEntry.STORED);
                zipEntry.setSize(entry.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(entry.getValue());
                zipEntry.setCrc(crc.getValue());
                zip.putNextEntry(zipEntry);
                zip.write(entry.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }

    /**
     * A legacy checkpoint: magic, protocol, sys_info and main pickles, the storage key list, then each
     * storage as an int64 element count and its bytes.
     */
    static Path legacy(Path file, byte[] mainPickle, List<String> keys, Map<String, byte[]> storages,
            Map<String, Integer> elementSizes) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(legacyPreamble());
            out.write(mainPickle);
            PickleWriter keyList = new PickleWriter().proto(2).emptyList().mark();
            keys.forEach(keyList::unicode);
            out.write(keyList.appends().stop().bytes());
            for (String key : keys) {
                byte[] bytes = storages.get(key);
                out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(bytes.length / elementSizes.get(key)).array());
                out.write(bytes);
            }
        }
        return file;
    }

    /** The magic number, protocol version and sys_info pickles that open a legacy file. */
    static byte[] legacyPreamble() {
        PickleWriter w = new PickleWriter();
        w.proto(2).long1(new BigInteger("1950a86a20f9469cfc6c", 16)).stop();
        w.proto(2).integer(1001).stop();
        w.proto(2).emptyDict().mark()
                .unicode("protocol_version").integer(1001)
                .unicode("little_endian").bool(true)
                .unicode("type_sizes").emptyDict().mark()
                .unicode("short").integer(2).unicode("int").integer(4).unicode("long").integer(4).setItems()
                .setItems().stop();
        return w.bytes();
    }

    static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    static byte[] halves(float... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(Float16.fromFloat(v));
        }
        return b.array();
    }

    static byte[] longs(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return b.array();
    }
}
