package dev.seedj.examples.bench;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a float16 state dict as Hugging Face's sharded {@code pytorch_model-0000k-of-0000n.bin} files (each a
 * {@code torch.save} zip: {@code archive/data.pkl} with one storage per tensor under {@code archive/data/}) and
 * {@code pytorch_model.bin.index.json}, as {@code save_pretrained(max_shard_size=...)} lays them out: tensors in
 * model order, a new shard whenever the next tensor would pass the size limit. Tensors are produced and written
 * one at a time, so a multi-gigabyte checkpoint needs only its largest tensor in memory.
 *
 * <p>Not thread-safe; used by benchmarks to create large random checkpoints.
 */
final class TorchBinShardWriter {
    private static final byte PROTO = (byte) 0x80;
    private static final byte GLOBAL = 'c';
    private static final byte EMPTY_TUPLE = ')';
    private static final byte REDUCE = 'R';
    private static final byte MARK = '(';
    private static final byte TUPLE = 't';
    private static final byte BINPERSID = 'Q';
    private static final byte BININT = 'J';
    private static final byte LONG1 = (byte) 0x8a;
    private static final byte BINUNICODE = 'X';
    private static final byte NEWFALSE = (byte) 0x89;
    private static final byte SETITEMS = 'u';
    private static final byte STOP = '.';

    /** torch.save's record alignment, bytes. */
    private static final int ALIGNMENT = 64;
    /** Fixed part of a zip local file header, and of one extra field (id + length), bytes. */
    private static final int LOCAL_HEADER = 30;
    private static final int EXTRA_HEADER = 4;

    private TorchBinShardWriter() {}

    /** Counts the bytes written so far, i.e. the file position of the next zip header. */
    private static final class CountingStream extends FilterOutputStream {
        private long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    /**
     * @param dir the target directory (created if needed)
     * @param shapes tensor name -> shape, in the order to write
     * @param maxShardBytes the most bytes of tensor data per shard (one tensor larger than this gets a shard alone)
     * @param halves produces a tensor's float16 bits, little-endian, given its name
     * @throws IOException if a file cannot be written
     */
    static void write(Path dir, Map<String, long[]> shapes, long maxShardBytes, Function<String, byte[]> halves)
            throws IOException {
        Files.createDirectories(dir);
        List<List<String>> shards = new ArrayList<>();
        long size = Long.MAX_VALUE;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long bytes = 2 * numel(e.getValue());
            if (size + bytes > maxShardBytes || shards.isEmpty()) {
                shards.add(new ArrayList<>());
                size = 0;
            }
            shards.get(shards.size() - 1).add(e.getKey());
            size += bytes;
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (int s = 0; s < shards.size(); s++) {
            String name = String.format("pytorch_model-%05d-of-%05d.bin", s + 1, shards.size());
            writeShard(dir.resolve(name), shards.get(s), shapes, halves);
            shards.get(s).forEach(k -> weightMap.put(k, name));
        }
        StringBuilder index = new StringBuilder("{\n  \"metadata\": {\"total_size\": ")
                .append(shapes.values().stream().mapToLong(TorchBinShardWriter::numel).sum() * 2)
                .append("},\n  \"weight_map\": {\n");
        int i = 0;
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            index.append("    \"").append(e.getKey()).append("\": \"").append(e.getValue()).append('"')
                    .append(++i < weightMap.size() ? ",\n" : "\n");
        }
        Files.writeString(dir.resolve("pytorch_model.bin.index.json"), index.append("  }\n}\n"));
    }

    private static void writeShard(Path file, List<String> keys, Map<String, long[]> shapes,
            Function<String, byte[]> halves) throws IOException {
        try (CountingStream out = new CountingStream(Files.newOutputStream(file));
                ZipOutputStream zip = new ZipOutputStream(out)) {
            stored(zip, out, "archive/data.pkl", pickle(keys, shapes));
            stored(zip, out, "archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < keys.size(); i++) {
                stored(zip, out, "archive/data/" + i, halves.apply(keys.get(i)));
            }
            stored(zip, out, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /**
     * One stored record whose data starts at a multiple of {@value #ALIGNMENT} bytes in the file, padded as
     * {@code torch.save} pads: an extra field with id {@code "FB"} in the local header (so that readers can map
     * the tensors in place, as they can with the released files).
     */
    private static void stored(ZipOutputStream zip, CountingStream file, String name, byte[] bytes)
            throws IOException {
        ZipEntry entry = new ZipEntry(name);
        long dataStart = file.count + LOCAL_HEADER + name.getBytes(StandardCharsets.UTF_8).length + EXTRA_HEADER;
        int padding = (int) ((ALIGNMENT - dataStart % ALIGNMENT) % ALIGNMENT);
        byte[] extra = new byte[EXTRA_HEADER + padding];
        extra[0] = 'F';
        extra[1] = 'B';
        extra[2] = (byte) padding;
        Arrays.fill(extra, EXTRA_HEADER, extra.length, (byte) 'Z');
        entry.setExtra(extra);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(bytes.length);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
    }

    /** {@code OrderedDict(key -> _rebuild_tensor_v2(storage i (HalfStorage), 0, size, stride, False, {}))}. */
    private static byte[] pickle(List<String> keys, Map<String, long[]> shapes) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(PROTO);
        p.write(2);
        global(p, "collections", "OrderedDict");
        p.write(EMPTY_TUPLE);
        p.write(REDUCE);
        p.write(MARK);
        for (int i = 0; i < keys.size(); i++) {
            long[] shape = shapes.get(keys.get(i));
            string(p, keys.get(i));
            global(p, "torch._utils", "_rebuild_tensor_v2");
            p.write(MARK);
            p.write(MARK);
            string(p, "storage");
            global(p, "torch", "HalfStorage");
            string(p, Integer.toString(i));
            string(p, "cpu");
            integer(p, numel(shape));
            p.write(TUPLE);
            p.write(BINPERSID);
            integer(p, 0);
            p.write(MARK);
            for (long d : shape) {
                integer(p, d);
            }
            p.write(TUPLE);
            p.write(MARK);
            long stride = 1;
            long[] strides = new long[shape.length];
            for (int d = shape.length - 1; d >= 0; d--) {
                strides[d] = stride;
                stride *= shape[d];
            }
            for (long s : strides) {
                integer(p, s);
            }
            p.write(TUPLE);
            p.write(NEWFALSE);
            global(p, "collections", "OrderedDict");
            p.write(EMPTY_TUPLE);
            p.write(REDUCE);
            p.write(TUPLE);
            p.write(REDUCE);
        }
        p.write(SETITEMS);
        p.write(STOP);
        return p.toByteArray();
    }

    private static void global(ByteArrayOutputStream p, String module, String name) {
        p.write(GLOBAL);
        p.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static void string(ByteArrayOutputStream p, String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        p.write(BINUNICODE);
        littleEndian(p, utf8.length, 4);
        p.writeBytes(utf8);
    }

    private static void integer(ByteArrayOutputStream p, long v) {
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            p.write(BININT);
            littleEndian(p, v, 4);
        } else {
            p.write(LONG1);
            p.write(8);
            littleEndian(p, v, 8);
        }
    }

    private static void littleEndian(ByteArrayOutputStream p, long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            p.write((int) (v >>> (8 * i)) & 0xff);
        }
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
