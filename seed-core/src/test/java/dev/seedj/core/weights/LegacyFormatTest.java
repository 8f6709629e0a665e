package dev.seedj.core.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The legacy (non-zip) torch.save format, built byte by byte: magic number, protocol, sys_info, the
 * {@code {"state_dict": {...}}} pickle with 6-element persistent ids, the storage key list, then the
 * storages. Also checks that the format is detected from the bytes whatever the file is called.
 */
class LegacyFormatTest {
    @TempDir
    Path dir;

    @Test
    void legacyCheckpointLoads() throws IOException {
        // state_dict = {"w": storage 0 as [2,3]; "w_t": the same storage transposed [3,2];
        //               "half": float16 [3]; "steps": int64 [2] from offset 1}, wrapped as {"state_dict": ...}
        byte[] pickle = new PickleWriter().proto(2).emptyDict().unicode("state_dict")
                .global("collections", "OrderedDict").emptyTuple().reduce().mark()
                .unicode("w").legacyTensor("FloatStorage", "140000", 6, 0, new long[] {2, 3}, new long[] {3, 1})
                .unicode("w_t").legacyTensor("FloatStorage", "140000", 6, 0, new long[] {3, 2}, new long[] {1, 3})
                .unicode("half").legacyTensor("HalfStorage", "140001", 3, 0, new long[] {3}, new long[] {1})
                .unicode("steps").legacyTensor("LongStorage", "140002", 3, 1, new long[] {2}, new long[] {1})
                .setItems().setItem()
                .unicode("epoch").integer(7).setItem().stop().bytes();
        // the key list names each storage once, in the order its bytes follow
        Path file = TorchFiles.legacy(dir.resolve("checkpoint.safetensors"), pickle,
                List.of("140000", "140001", "140002"),
                Map.of("140000", TorchFiles.floats(1, 2, 3, 4, 5, 6),
                        "140001", TorchFiles.halves(0.5f, -2f, 65504f),
                        "140002", TorchFiles.longs(-1, 10, 20)),
                Map.of("140000", 4, "140001", 2, "140002", 8));
        assertTrue(Files.size(file) > 100);
        try (StateDict sd = StateDict.open(file); NDManager manager = NDManager.newBaseManager()) {
            assertEquals(List.of("w", "w_t", "half", "steps"), List.copyOf(sd.keys()));
            assertEquals(new TensorInfo(DType.FLOAT32, new long[] {2, 3}), sd.info("w"));
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, sd.getFloats("w"));
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, sd.getFloats("w_t"));
            assertEquals(DType.FLOAT16, sd.info("half").dtype());
            assertArrayEquals(new float[] {0.5f, -2f, 65504f}, sd.get("half", manager).toFloatArray());
            assertEquals(DType.INT64, sd.info("steps").dtype());
            assertArrayEquals(new long[] {10, 20}, sd.get("steps", manager).toLongArray());
        }
    }

    @Test
    void aPickleWithoutTheMagicNumberIsNotACheckpoint() throws IOException {
        byte[] plainPickle = new PickleWriter().proto(2).emptyDict().stop().bytes();
        Path file = Files.write(dir.resolve("plain.pt"), plainPickle);
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(file));
        assertTrue(e.getMessage().contains("magic number"), e.getMessage());
    }
}
