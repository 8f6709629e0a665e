package dev.seedj.core.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.seedj.core.testing.Oracle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, item 1: float32 safetensors tensors are used from the mapped file without a copy, read the same values
 * as the copying path, stay valid after the file is closed for as long as their manager lives, and an in-place
 * operation on one copies the page it writes (the file never changes); unaligned data falls back to a copy.
 */
class ZeroCopyWeightsTest {
    @TempDir
    Path dir;

    @Test
    void fixtureTensorsAreMappedAndEqualTheCopyingPath() {
        Path file = Oracle.root().resolve("v1-tiny/weights.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            int mapped = 0;
            try (StateDict sd = StateDict.open(file)) {
                for (String key : sd.keys()) {
                    NDArray array = sd.get(key, manager);
                    if (sd.info(key).dtype() == DType.FLOAT32) {
                        assertTrue(FileMappings.isMapped(array), key);
                        assertArrayEquals(sd.getFloats(key), array.toFloatArray(), key);
                        mapped++;
                    }
                }
            }
            assertTrue(mapped > 50, "mapped " + mapped);
        }
    }

    @Test
    void storedZipRecordsAreMappedAndEqualTheCopyingPath() {
        Path pth = Oracle.root().resolve("v1-tiny/weights.pth");
        Path safetensors = Oracle.root().resolve("v1-tiny/weights.safetensors");
        try (StateDict sd = StateDict.open(pth);
                StateDict reference = StateDict.open(safetensors);
                NDManager manager = NDManager.newBaseManager()) {
            int mapped = 0;
            for (String key : reference.keys()) {
                if (reference.info(key).dtype() == DType.FLOAT32) {
                    NDArray array = sd.get(key, manager);
                    assertArrayEquals(reference.getFloats(key), array.toFloatArray(), key);
                    mapped += FileMappings.isMapped(array) ? 1 : 0;
                }
            }
            assertTrue(mapped > 50, "mapped " + mapped);
        }
    }

    @Test
    void sixteenBitRecordsAreConvertedFromTheMappingAndReadAgainAfterTheirPagesAreDropped() {
        // released float16 .bin shards (torch.save aligns records): widened or rounded inside libtorch from the
        // mapped bytes, whose pages are then dropped; a second read maps and reads the file again
        Path shard = Oracle.root().resolve("llama-tiny/fp16/pytorch_model-00001-of-00002.bin");
        try (StateDict sd = StateDict.open(shard); NDManager manager = NDManager.newBaseManager()) {
            int checked = 0;
            for (String key : sd.keys()) {
                if (sd.info(key).dtype() != DType.FLOAT16) {
                    continue;
                }
                assertTrue(((FileStateDict) sd).mapInPlace(key, sd.info(key), 2 * (int) sd.info(key).numel()) != null,
                        key + " is stored in place");
                float[] javaWidened = sd.getFloats(key); // Float16 in Java, from a copy
                assertArrayEquals(javaWidened, sd.get(key, manager).toFloatArray(), key);
                assertArrayEquals(javaWidened, sd.get(key, manager).toFloatArray(), key + ", read again");
                NDArray bf16 = sd.get(key, manager, ComputeType.BFLOAT16);
                assertTrue(LibtorchOps.isBfloat16(bf16), key);
                float[] rounded = bf16.toType(DataType.FLOAT32, false).toFloatArray();
                for (int i = 0; i < rounded.length; i++) {
                    assertTrue(Math.abs(rounded[i] - javaWidened[i]) <= Math.abs(javaWidened[i]) / 256, key);
                }
                checked++;
            }
            assertTrue(checked > 5, "float16 tensors checked: " + checked);
        }
    }

    @Test
    void mappingOutlivesTheFileHandleUntilTheManagerCloses() {
        Path file = Oracle.root().resolve("v1-tiny/weights.safetensors");
        String key = "visual_encoder.blocks.0.mlp.fc1.weight";
        float[] expected;
        NDArray array;
        NDManager manager = NDManager.newBaseManager();
        try (StateDict sd = StateDict.open(file)) {
            expected = sd.getFloats(key);
            array = sd.get(key, manager);
        }
        System.gc(); // nothing but the manager keeps the mapping
        assertArrayEquals(expected, array.toFloatArray());
        try (NDManager scope = manager.newSubManager()) {
            NDArray view = array.transpose(); // shares the mapped storage
            view.attach(scope);
            array.close();
            System.gc();
            assertArrayEquals(expected, view.transpose().toFloatArray()); // the manager still holds the mapping
        }
        manager.close();
        assertFalse(FileMappings.isMapped(array));
    }

    @Test
    void inPlaceWritesCopyOnWriteAndNeverReachTheFile() throws IOException {
        Path file = Oracle.root().resolve("v1-tiny/weights.safetensors");
        Path copy = dir.resolve("w.safetensors");
        Files.copy(file, copy);
        assertTrue(copy.toFile().setReadOnly());
        byte[] before = Files.readAllBytes(copy);
        String key = "ln_vision.weight";
        try (StateDict sd = StateDict.open(copy); NDManager manager = NDManager.newBaseManager()) {
            float[] original = sd.getFloats(key);
            NDArray weight = sd.get(key, manager);
            assertTrue(FileMappings.isMapped(weight));
            weight.addi(1f); // copy-on-write: no crash on the read-only file's pages
            float[] changed = weight.toFloatArray();
            for (int i = 0; i < original.length; i++) {
                assertTrue(changed[i] == original[i] + 1f, "element " + i);
            }
            assertArrayEquals(original, sd.get(key, manager).toFloatArray()); // a new mapping sees the file
        }
        assertArrayEquals(before, Files.readAllBytes(copy));
    }

    @Test
    void unalignedDataIsCopied() throws IOException {
        float[] values = {1.5f, -2.25f, 3e-8f, 42f};
        String header = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
        // pad the header so that the data starts one byte past a multiple of 4
        while ((8 + header.length()) % 4 != 1) {
            header += " ";
        }
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(8 + json.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(json.length).put(json);
        for (float v : values) {
            bytes.putFloat(v);
        }
        Path file = dir.resolve("unaligned.safetensors");
        Files.write(file, bytes.array());
        try (StateDict sd = StateDict.open(file); NDManager manager = NDManager.newBaseManager()) {
            NDArray x = sd.get("x", manager);
            assertFalse(FileMappings.isMapped(x));
            assertArrayEquals(values, x.toFloatArray());
        }
    }

    @Test
    void writtenFilesAreMapped() {
        Path file = dir.resolve("written.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.arange(12f).reshape(3, 4);
            new SafetensorsWriter().write(file, Map.of("a", a));
            try (StateDict sd = StateDict.open(file)) {
                NDArray read = sd.get("a", manager);
                assertTrue(FileMappings.isMapped(read));
                assertArrayEquals(a.toFloatArray(), read.toFloatArray());
            }
        }
    }
}
