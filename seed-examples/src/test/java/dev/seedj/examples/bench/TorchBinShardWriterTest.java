package dev.seedj.examples.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.seedj.core.weights.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        try (StateDict sd = StateDict.open(dir)) {
            for (String key : shapes.keySet()) {
                assertArrayEquals(shapes.get(key), sd.info(key).shape());
                assertArrayEquals(values.get(key), sd.getFloats(key));
            }
        }
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
