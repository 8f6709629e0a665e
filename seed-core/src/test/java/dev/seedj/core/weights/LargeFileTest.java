package dev.seedj.core.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance 6: a tensor stored past 2 GiB in a (sparse) safetensors file reads back correctly, without
 * reading the 2 GiB before it.
 */
class LargeFileTest {
    private static final long TWO_GIB = 1L << 31;

    @TempDir
    Path dir;

    @Test
    void tensorPastTwoGibReadsBack() throws IOException {
        long padBytes = TWO_GIB + 40;
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"pad\":{\"dtype\":\"U8\",\"shape\":[" + padBytes + "],\"data_offsets\":[0," + padBytes + "]},"
                + "\"far\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[" + padBytes + "," + (padBytes + 24)
                + "]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        long dataStart = 8 + json.length;
        float[] values = {1.5f, -2.25f, 3e-8f, Float.MAX_VALUE, -0.0f, 42f};
        Path file = dir.resolve("sparse.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(dataStart + padBytes + 24);
            ByteBuffer head = ByteBuffer.allocate((int) dataStart).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(json.length).put(json);
            raf.write(head.array());
            ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            data.asFloatBuffer().put(values);
            raf.seek(dataStart + padBytes);
            raf.write(data.array());
        }
        try (StateDict sd = StateDict.open(file); NDManager manager = NDManager.newBaseManager()) {
            assertEquals(List.of("pad", "far"), List.copyOf(sd.keys()));
            assertArrayEquals(values, sd.getFloats("far"));
            NDArray far = sd.get("far", manager);
            assertArrayEquals(new long[] {2, 3}, far.getShape().getShape());
            assertArrayEquals(values, far.toFloatArray());
            assertArrayEquals(new long[] {padBytes}, sd.info("pad").shape());
            CheckpointException e = assertThrows(CheckpointException.class, () -> sd.get("pad", manager));
            assertTrue(e.getMessage().contains("'pad'") && e.getMessage().contains("too many"), e.getMessage());
        }
    }
}
