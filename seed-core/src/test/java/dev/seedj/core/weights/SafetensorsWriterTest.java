package dev.seedj.core.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.testing.Oracle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SafetensorsWriter}: layout as Python's safetensors writes it, every dtype, metadata, float16. */
class SafetensorsWriterTest {
    @TempDir
    Path dir;

    @Test
    void writesEveryDtypeAndReadsBack() throws IOException {
        Path file = dir.resolve("all.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            tensors.put("w", manager.create(new float[] {1.5f, -0.0f, 3e-39f, Float.NaN, 7, 8}, new Shape(2, 3)));
            tensors.put("d", manager.create(new double[] {Math.PI, -1e300}));
            tensors.put("ids", manager.create(new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE}));
            tensors.put("i32", manager.create(new int[] {-5, 6}));
            tensors.put("u8", manager.create(new byte[] {(byte) 255, 1}).toType(DataType.UINT8, false));
            tensors.put("i8", manager.create(new byte[] {-128, 127}));
            tensors.put("mask", manager.create(new boolean[] {true, false, true}));
            tensors.put("scalar", manager.create(2.5f));
            tensors.put("empty", manager.create(new float[0], new Shape(0, 4)));
            new SafetensorsWriter().withMetadata(Map.of("format", "pt", "step", "12")).write(file, tensors);
        }
        try (SafetensorsFile sd = SafetensorsFile.open(file); NDManager manager = NDManager.newBaseManager()) {
            assertEquals(Map.of("format", "pt", "step", "12"), sd.metadata());
            // data order: descending alignment (I64, F64, F32, I32, ..., I8, U8, BOOL), then by name
            assertEquals(List.of("ids", "d", "empty", "scalar", "w", "i32", "i8", "u8", "mask"), List.copyOf(sd.keys()));
            Oracle.assertBitwiseEquals("w", new float[] {1.5f, -0.0f, 3e-39f, Float.NaN, 7, 8}, sd.getFloats("w"));
            assertArrayEquals(new long[] {2, 3}, sd.info("w").shape());
            assertEquals(new TensorInfo(DType.FLOAT64, new long[] {2}), sd.info("d"));
            assertArrayEquals(new float[] {(float) Math.PI, Float.NEGATIVE_INFINITY}, sd.getFloats("d"));
            assertArrayEquals(new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE}, sd.get("ids", manager).toLongArray());
            assertArrayEquals(new long[] {-5, 6}, sd.get("i32", manager).toLongArray());
            assertEquals(DType.UINT8, sd.info("u8").dtype());
            assertArrayEquals(new long[] {255, 1}, sd.get("u8", manager).toLongArray());
            assertArrayEquals(new long[] {-128, 127}, sd.get("i8", manager).toLongArray());
            assertArrayEquals(new boolean[] {true, false, true}, sd.get("mask", manager).toBooleanArray());
            assertEquals(new Shape(), sd.get("scalar", manager).getShape());
            assertArrayEquals(new float[] {2.5f}, sd.getFloats("scalar"));
            assertEquals(new Shape(0, 4), sd.get("empty", manager).getShape());
        }
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "header padded to 8 bytes");
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\",\"step\":\"12\"},\"ids\":{\"dtype\":\"I64\","
                + "\"shape\":[3],\"data_offsets\":[0,24]}"), header);
        assertEquals(header.stripTrailing().length() + (8 - header.stripTrailing().length() % 8) % 8, header.length());
    }

    @Test
    void float16OptionRoundsInJava() throws IOException {
        Path file = dir.resolve("half.safetensors");
        float[] values = {1f + 0x1p-11f, 65520f, 0x1p-25f * 1.0000001f, -3.14159f, 1e-9f};
        try (NDManager manager = NDManager.newBaseManager()) {
            new SafetensorsWriter().withFloat16(true).write(file, Map.of(
                    "x", manager.create(values),
                    "d", manager.create(new double[] {0.1}),
                    "n", manager.create(new long[] {70000})));
        }
        try (StateDict sd = StateDict.open(file); NDManager manager = NDManager.newBaseManager()) {
            assertEquals(DType.FLOAT16, sd.info("x").dtype());
            assertEquals(DType.FLOAT16, sd.info("d").dtype());
            assertEquals(DType.INT64, sd.info("n").dtype(), "integers are not touched");
            assertArrayEquals(new float[] {1f, Float.POSITIVE_INFINITY, 0x1p-24f, -3.140625f, 0f}, sd.getFloats("x"));
            assertArrayEquals(new float[] {0.0999755859375f}, sd.getFloats("d"));
            assertArrayEquals(new long[] {70000}, sd.get("n", manager).toLongArray());
        }
    }

    @Test
    void bfloat16OptionRoundsInJavaAsLibtorchDoes() throws IOException {
        Path file = dir.resolve("bf16.safetensors");
        // ties to even both ways, a carry into the exponent, rounding past the largest finite value, NaN
        float[] values = {1f + 0x1p-8f, 1f + 0x3p-8f, 0x1.ffp0f, Float.MAX_VALUE, -3.14159f, Float.NaN, 1e-40f};
        float[] rounded = {1f, 1f + 0x1p-6f, 2f, Float.POSITIVE_INFINITY, -3.140625f, Float.NaN,
            Float.intBitsToFloat(0x00010000) /* 1e-40f is 0x000116c2: rounds down */};
        float[] random = new float[4096];
        java.util.Random rng = new java.util.Random(3);
        for (int i = 0; i < random.length; i++) {
            random[i] = Float.intBitsToFloat(rng.nextInt()); // every exponent and low-bit pattern
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray r = manager.create(random);
            new SafetensorsWriter().withBfloat16(true).write(file, Map.of("x", manager.create(values), "r", r,
                    "n", manager.create(new int[] {70000})));
            try (StateDict sd = StateDict.open(file);
                    NDArray torchRounded = LibtorchOps.toBfloat16(r);
                    NDArray torchWidened = torchRounded.toType(DataType.FLOAT32, false)) {
                assertEquals(DType.BFLOAT16, sd.info("x").dtype());
                assertEquals(DType.INT32, sd.info("n").dtype(), "integers are not touched");
                Oracle.assertBitwiseEquals("x", rounded, sd.getFloats("x"));
                float[] java = sd.getFloats("r");
                float[] torch = torchWidened.toFloatArray();
                for (int i = 0; i < random.length; i++) {
                    if (!(Float.isNaN(java[i]) && Float.isNaN(torch[i]))) {
                        assertEquals(Float.floatToRawIntBits(torch[i]), Float.floatToRawIntBits(java[i]),
                                "element " + i + " = " + random[i]);
                    }
                }
            }
        }
    }

    @Test
    void rewritingAFixtureKeepsEveryTensor() throws IOException {
        Path copy = dir.resolve("copy.safetensors");
        Path half = dir.resolve("half.safetensors");
        try (StateDict original = StateDict.open(Oracle.path("v2-tiny", "weights.safetensors"));
                StateDict fp16 = StateDict.open(Oracle.path("v2-tiny", "weights_fp16.safetensors"));
                NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> all = new LinkedHashMap<>();
            for (String key : original.keys()) {
                all.put(key, original.get(key, manager));
            }
            new SafetensorsWriter().write(copy, all);
            new SafetensorsWriter().withFloat16(true).write(half, all);
            try (StateDict back = StateDict.open(copy); StateDict halfBack = StateDict.open(half)) {
                assertEquals(original.keys(), Set.copyOf(back.keys()));
                for (String key : original.keys()) {
                    assertEquals(original.info(key), back.info(key), key);
                    assertEquals(fp16.info(key), halfBack.info(key), key);
                    if (original.info(key).dtype().isFloating()) {
                        Oracle.assertBitwiseEquals(key, original.getFloats(key), back.getFloats(key));
                        // Java's rounding equals torch's .half()
                        Oracle.assertBitwiseEquals(key, fp16.getFloats(key), halfBack.getFloats(key));
                    }
                }
            }
        }
    }

    @Test
    void refusesBadNames() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {1});
            assertThrows(IllegalArgumentException.class,
                    () -> new SafetensorsWriter().write(dir.resolve("a.safetensors"), Map.of("__metadata__", x)));
            assertThrows(IllegalArgumentException.class,
                    () -> new SafetensorsWriter().write(dir.resolve("b.safetensors"), Map.of("", x)));
        }
    }
}
