package dev.seedj.examples.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import dev.seedj.core.weights.StateDict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's checkpoint writer produces sharded .bin files the project's unpickler reads back exactly. */
class TorchBinShardWriterTest {

    @Test
    void shardsReadBackWithTheirIndex(@TempDir Path dir) throws IOException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("a.weight", new long[] {3, 2});
        shapes.put("b.weight", new long[] {4});
        shapes.put("c.weight", new long[] {2, 2});
        // 1.0, -2.0, 0.5, ... as float16 bits
        Map<String, float[]> values = Map.of("a.weight", new float[] {1, -2, 0.5f, 0.25f, 3, -0.125f},
                "b.weight", new float[] {1, 1, 2, 2}, "c.weight", new float[] {-1, 0, 4, 8});
        TorchBinShardWriter.write(dir, shapes, 12, key -> halves(values.get(key))); // 12 bytes: a shard per tensor
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(4, files.count()); // three shards + the index
        }
        try (StateDict sd = StateDict.open(dir); NDManager m = NDManager.newBaseManager()) {
            for (String key : shapes.keySet()) {
                assertArrayEquals(shapes.get(key), sd.info(key).shape());
                assertArrayEquals(values.get(key), sd.getFloats(key));
                assertArrayEquals(values.get(key), sd.get(key, m).toFloatArray(), "widened in libtorch");
            }
        }
        for (int shard = 1; shard <= 3; shard++) {
            assertEquals(0, dataStart(dir.resolve(String.format("pytorch_model-%05d-of-00003.bin", shard)),
                    "archive/data/0") % 64, "tensor records start at multiples of 64 bytes, as torch.save writes");
        }
    }

    /** The file position of a record's data: after its local header (30 bytes), name and extra field. */
    private static long dataStart(Path zip, String name) throws IOException {
        byte[] file = Files.readAllBytes(zip);
        byte[] target = name.getBytes(StandardCharsets.UTF_8);
        for (int at = 0; at + 30 + target.length <= file.length; at++) {
            if (file[at] == 'P' && file[at + 1] == 'K' && file[at + 2] == 3 && file[at + 3] == 4
                    && Arrays.equals(target, Arrays.copyOfRange(file, at + 30, at + 30 + target.length))) {
                int nameLength = (file[at + 26] & 0xff) | (file[at + 27] & 0xff) << 8;
                int extraLength = (file[at + 28] & 0xff) | (file[at + 29] & 0xff) << 8;
                return at + 30L + nameLength + extraLength;
            }
        }
        throw new AssertionError("no local header for " + name);
    }

    /** Exact float16 bits of small powers of two and their sums (sign, exponent, 10-bit mantissa). */
    private static byte[] halves(float[] v) {
        byte[] out = new byte[2 * v.length];
        for (int i = 0; i < v.length; i++) {
            int bits = Float.floatToIntBits(v[i]);
            int sign = (bits >>> 16) & 0x8000;
            int exp = ((bits >>> 23) & 0xff);
            int half = v[i] == 0 ? sign : sign | ((exp - 112) << 10) | ((bits >>> 13) & 0x3ff);
            out[2 * i] = (byte) half;
            out[2 * i + 1] = (byte) (half >>> 8);
        }
        return out;
    }
}
