package dev.seedj.core.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.core.testing.Oracle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Formats are told apart by their bytes, never by the file name. */
class CheckpointFormatTest {
    @TempDir
    Path dir;

    @Test
    void namesDoNotMatter() throws IOException {
        Path zipAsSafetensors = Files.copy(Oracle.path("formats", "pickle_conformance.pth"),
                dir.resolve("weights.safetensors"));
        Path safetensorsAsBin = Files.copy(Oracle.path("formats", "pickle_conformance.safetensors"),
                dir.resolve("pytorch_model.bin"));
        assertEquals(CheckpointFormat.TORCH_ZIP, CheckpointFormat.detect(zipAsSafetensors));
        assertEquals(CheckpointFormat.SAFETENSORS, CheckpointFormat.detect(safetensorsAsBin));
        try (StateDict a = StateDict.open(zipAsSafetensors); StateDict b = StateDict.open(safetensorsAsBin)) {
            assertEquals(b.keys(), a.keys());
            assertArrayEquals(b.getFloats("f16_transposed"), a.getFloats("f16_transposed"));
        }
    }

    @Test
    void safetensorsHeaderLengthThatLooksLikeAPickleIsStillSafetensors() throws IOException {
        // header length 0x280 = 640 makes the file start with 0x80 0x02, the opening of a protocol-2 pickle
        String json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        byte[] header = Arrays.copyOf(json.getBytes(StandardCharsets.UTF_8), 640);
        Arrays.fill(header, json.length(), header.length, (byte) ' ');
        ByteBuffer file = ByteBuffer.allocate(8 + 640 + 8).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(640).put(header).putFloat(0.25f).putFloat(-8f);
        Path path = Files.write(dir.resolve("x.safetensors"), file.array());
        assertEquals((byte) 0x80, file.array()[0]);
        assertEquals((byte) 0x02, file.array()[1]);
        try (StateDict sd = StateDict.open(path)) {
            assertArrayEquals(new float[] {0.25f, -8f}, sd.getFloats("x"));
        }
    }

    @Test
    void tarArchivesAreNamedAsTheUnsupportedOldFormat() throws IOException {
        byte[] tar = new byte[1024];
        System.arraycopy("ustar".getBytes(StandardCharsets.US_ASCII), 0, tar, 257, 5);
        Path path = Files.write(dir.resolve("old.pt"), tar);
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(path));
        assertTrue(e.getMessage().contains("tar archive"), e.getMessage());
    }
}
