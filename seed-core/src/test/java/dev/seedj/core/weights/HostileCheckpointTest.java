package dev.seedj.core.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.seedj.core.testing.Oracle;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance 4: hostile pickles are refused with the global named and nothing executed; truncated, corrupt
 * and lying files end in a {@link CheckpointException} that says what is wrong (never a hang, an
 * OutOfMemoryError or another exception type).
 */
class HostileCheckpointTest {
    @TempDir
    Path dir;

    // ---- hostile pickles ----

    @Test
    void osSystemInAZipIsRefusedAndNothingRuns() throws IOException {
        Path marker = dir.resolve("pwned");
        byte[] evil = new PickleWriter().proto(2).global("os", "system")
                .unicode("touch " + marker).tuple1().reduce().stop().bytes();
        Path file = TorchFiles.zip(dir.resolve("evil.pth"), "evil", evil, Map.of());
        UnsafeCheckpointException e = assertThrows(UnsafeCheckpointException.class, () -> StateDict.open(file));
        assertEquals("os.system", e.global());
        assertTrue(e.getMessage().contains("'os.system'") && e.getMessage().contains(file.toString()), e.getMessage());
        assertFalse(Files.exists(marker), "the command ran");
    }

    @Test
    void builtinsEvalIsRefused() throws IOException {
        Path marker = dir.resolve("pwned");
        byte[] evil = new PickleWriter().proto(2).global("builtins", "eval")
                .unicode("__import__('os').system('touch " + marker + "')").tuple1().reduce().stop().bytes();
        Path file = TorchFiles.zip(dir.resolve("model.bin"), "archive", evil, Map.of());
        UnsafeCheckpointException e = assertThrows(UnsafeCheckpointException.class, () -> StateDict.open(file));
        assertEquals("builtins.eval", e.global());
        assertFalse(Files.exists(marker));
    }

    @Test
    void osSystemInTheLegacyFormatIsRefused() throws IOException {
        Path marker = dir.resolve("pwned");
        byte[] evil = new PickleWriter().proto(2).global("os", "system")
                .unicode("touch " + marker).tuple1().reduce().stop().bytes();
        Path file = TorchFiles.legacy(dir.resolve("legacy.pt"), evil, List.of(), Map.of(), Map.of());
        UnsafeCheckpointException e = assertThrows(UnsafeCheckpointException.class, () -> StateDict.open(file));
        assertEquals("os.system", e.global());
        assertFalse(Files.exists(marker));
    }

    @Test
    void otherWaysOfNamingAGlobalAreRefusedToo() throws IOException {
        // protocol 4 STACK_GLOBAL, the INST opcode, a global hidden inside a tensor's persistent id
        byte[] stackGlobal = new PickleWriter().proto(4).stackGlobal("posix", "system")
                .unicode("true").tuple1().reduce().stop().bytes();
        byte[] inst = new PickleWriter().proto(2).mark().unicode("true").inst("subprocess", "call").stop().bytes();
        byte[] inPersistentId = new PickleWriter().proto(2).emptyDict().unicode("w")
                .tensor("load", "0", 1, 0, new long[] {1}, new long[] {1}).setItem().stop().bytes();
        String[] globals = {"posix.system", "subprocess.call", "torch.load"};
        byte[][] pickles = {stackGlobal, inst, inPersistentId};
        for (int i = 0; i < pickles.length; i++) {
            Path file = TorchFiles.zip(dir.resolve("evil" + i + ".pth"), "evil" + i, pickles[i], Map.of("0",
                    TorchFiles.floats(1f)));
            UnsafeCheckpointException e = assertThrows(UnsafeCheckpointException.class, () -> StateDict.open(file));
            assertEquals(globals[i], e.global());
        }
    }

    @Test
    void quantizedAndNumpyGlobalsAreRefused() throws IOException {
        for (String[] global : new String[][] {{"torch._utils", "_rebuild_qtensor"}, {"numpy.core.multiarray", "scalar"},
                {"torch", "ComplexFloatStorage"}, {"__builtin__", "set"}}) {
            byte[] pickle = new PickleWriter().proto(2).global(global[0], global[1]).emptyTuple().reduce().stop()
                    .bytes();
            Path file = TorchFiles.zip(dir.resolve(global[1] + ".pth"), "m", pickle, Map.of());
            UnsafeCheckpointException e = assertThrows(UnsafeCheckpointException.class, () -> StateDict.open(file));
            assertEquals(global[0] + "." + global[1], e.global());
        }
    }

    // ---- truncated and corrupt torch files ----

    @Test
    void truncatedZipIsACheckpointException() throws IOException {
        byte[] whole = Files.readAllBytes(Oracle.path("formats", "pickle_conformance.pth"));
        Path file = write("truncated.pth", Arrays.copyOf(whole, whole.length / 2));
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("zip"), e.getMessage());
    }

    @Test
    void truncatedPickleIsACheckpointException() throws IOException {
        byte[] pickle;
        try (ZipFile zip = new ZipFile(Oracle.path("formats", "pickle_conformance.pth").toFile());
                InputStream in = zip.getInputStream(zip.getEntry("pickle_conformance/data.pkl"))) {
            pickle = in.readAllBytes();
        }
        Path file = TorchFiles.zip(dir.resolve("cut.pth"), "cut", Arrays.copyOf(pickle, 700), Map.of());
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(file));
        assertTrue(e.getMessage().contains("corrupt or truncated"), e.getMessage());
    }

    @Test
    void truncatedLegacyFileIsACheckpointException() throws IOException {
        byte[] pickle = new PickleWriter().proto(2).emptyDict().unicode("w")
                .legacyTensor("FloatStorage", "7", 4, 0, new long[] {4}, new long[] {1}).setItem().stop().bytes();
        Path file = TorchFiles.legacy(dir.resolve("legacy.pt"), pickle, List.of("7"),
                Map.of("7", TorchFiles.floats(1, 2, 3, 4)), Map.of("7", 4));
        byte[] whole = Files.readAllBytes(file);
        Path cut = write("cut.pt", Arrays.copyOf(whole, whole.length - 3));
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(cut));
        assertTrue(e.getMessage().contains("storage '7'") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void viewBeyondItsStorageNamesTheKey() throws IOException {
        // [2, 3] needs 6 elements; the storage declares 4
        byte[] pickle = new PickleWriter().proto(2).emptyDict().unicode("too_big")
                .tensor("FloatStorage", "0", 4, 0, new long[] {2, 3}, new long[] {3, 1}).setItem().stop().bytes();
        Path file = TorchFiles.zip(dir.resolve("view.pth"), "view", pickle, Map.of("0", TorchFiles.floats(1, 2, 3, 4)));
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(file));
        assertTrue(e.getMessage().contains("'too_big'") && e.getMessage().contains("needing 6 elements"), e.getMessage());

        // the storage declares 8 elements but its record holds 4
        byte[] lying = new PickleWriter().proto(2).emptyDict().unicode("short_record")
                .tensor("FloatStorage", "0", 8, 0, new long[] {8}, new long[] {1}).setItem().stop().bytes();
        Path file2 = TorchFiles.zip(dir.resolve("record.pth"), "record", lying, Map.of("0", TorchFiles.floats(1, 2, 3, 4)));
        e = assertThrows(CheckpointException.class, () -> StateDict.open(file2));
        assertTrue(e.getMessage().contains("'short_record'") && e.getMessage().contains("holds only 16 bytes"),
                e.getMessage());
    }

    @Test
    void lyingLengthInAPickleDoesNotAllocate() throws IOException {
        byte[] pickle = new PickleWriter().proto(2).unicodeClaiming(Integer.MAX_VALUE - 1).stop().bytes();
        Path file = TorchFiles.zip(dir.resolve("huge.pth"), "huge", pickle, Map.of());
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(file));
        assertTrue(e.getMessage().contains("BINUNICODE claims 2147483646 bytes"), e.getMessage());
    }

    @Test
    void selfContainingDictKeyIsRefused() throws IOException {
        // l = []; l.append(l); {l: 0}: hashing it would recurse forever
        byte[] pickle = new PickleWriter().proto(2).emptyDict().emptyList().put(0).get(0).append()
                .integer(0).setItem().stop().bytes();
        Path file = TorchFiles.zip(dir.resolve("cycle.pth"), "cycle", pickle, Map.of());
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(file));
        assertTrue(e.getMessage().contains("unhashable"), e.getMessage());
    }

    @Test
    void mutatedPicklesFailCleanly() throws IOException {
        byte[] pickle;
        try (ZipFile zip = new ZipFile(Oracle.path("formats", "pickle_conformance.pth").toFile());
                InputStream in = zip.getInputStream(zip.getEntry("pickle_conformance/data.pkl"))) {
            pickle = in.readAllBytes();
        }
        Map<String, byte[]> storages = new java.util.HashMap<>();
        for (int i = 0; i < 14; i++) {
            storages.put(String.valueOf(i), new byte[48]);
        }
        Random random = new Random(42);
        int refused = 0;
        for (int trial = 0; trial < 300; trial++) {
            byte[] mutated = pickle.clone();
            for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            }
            Path file = TorchFiles.zip(dir.resolve("m" + trial + ".pth"), "m", mutated, storages);
            try (StateDict sd = StateDict.open(file)) {
                for (String key : sd.keys()) {
                    if (sd.info(key).dtype().isFloating()) {
                        sd.getFloats(key);
                    }
                }
            } catch (CheckpointException expected) {
                refused++;
            } catch (RuntimeException | Error other) {
                fail("trial " + trial + " ended in " + other, other);
            }
            Files.delete(file);
        }
        assertTrue(refused > 50, "most mutations must be refused: " + refused);
    }

    // ---- safetensors ----

    @Test
    void truncatedSafetensorsIsACheckpointException() throws IOException {
        byte[] whole = Files.readAllBytes(Oracle.path("opt-tiny", "model.safetensors"));
        Path file = write("truncated.safetensors", Arrays.copyOf(whole, whole.length * 2 / 3));
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("out of range")
                && e.getMessage().contains("tensor 'model.decoder."), e.getMessage());
    }

    @Test
    void headerLengthPastTheEndOfFile() throws IOException {
        Path file = write("past.safetensors", safetensors(1_000_000, "{}", 0));
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(file));
        assertTrue(e.getMessage().contains("header length 1000000 runs past the end of the file"), e.getMessage());

        // a header length near 2^64 must not become an allocation either
        Path huge = write("huge.safetensors", safetensors(-8, "{}", 0));
        e = assertThrows(CheckpointException.class, () -> StateDict.open(huge));
        assertTrue(e.getMessage().contains("18446744073709551608"), e.getMessage());
    }

    @Test
    void brokenHeaderJson() throws IOException {
        for (String header : List.of("{\"a\": {\"dtype\": \"F32\"", "{a: 1}", "[1, 2]", "{\"a\": 1} x")) {
            Path file = write("broken.safetensors", safetensors(header, 0));
            CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(file), header);
            assertTrue(e.getMessage().contains("header"), e.getMessage());
        }
    }

    @Test
    void overlappingOffsets() throws IOException {
        Path file = write("overlap.safetensors", safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12));
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(file));
        assertTrue(e.getMessage().contains("tensor 'b'") && e.getMessage().contains("overlapping tensor 'a'"),
                e.getMessage());
    }

    @Test
    void outOfRangeOffsets() throws IOException {
        Path file = write("range.safetensors", safetensors(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8));
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(file));
        assertTrue(e.getMessage().contains("tensor 'a'") && e.getMessage().contains("out of range"), e.getMessage());

        Path huge = write("huge.safetensors", safetensors(
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[999999999999999999],\"data_offsets\":[0,999999999999999999]}}", 8));
        e = assertThrows(CheckpointException.class, () -> StateDict.open(huge));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    }

    @Test
    void unknownDtype() throws IOException {
        Path file = write("dtype.safetensors", safetensors(
                "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4));
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(file));
        assertTrue(e.getMessage().contains("tensor 'a'") && e.getMessage().contains("unknown or unsupported dtype 'F8_E4M3'"),
                e.getMessage());
    }

    @Test
    void shapeAndByteLengthMismatch() throws IOException {
        Path file = write("shape.safetensors", safetensors(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", 16));
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(file));
        assertTrue(e.getMessage().contains("tensor 'a'") && e.getMessage().contains("(24 bytes)")
                && e.getMessage().contains("span 16 bytes"), e.getMessage());

        Path overflow = write("overflow.safetensors", safetensors(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 0));
        e = assertThrows(CheckpointException.class, () -> StateDict.open(overflow));
        assertTrue(e.getMessage().contains("overflows"), e.getMessage());

        Path negative = write("negative.safetensors", safetensors(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4));
        e = assertThrows(CheckpointException.class, () -> StateDict.open(negative));
        assertTrue(e.getMessage().contains("not a non-negative integer"), e.getMessage());
    }

    @Test
    void unrecognisedFilesAndMissingPaths() throws IOException {
        Path text = write("notes.pth", "just some text, not a checkpoint".getBytes(StandardCharsets.UTF_8));
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDict.open(text));
        assertTrue(e.getMessage().contains("unrecognised first bytes"), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> StateDict.open(dir.resolve("absent.safetensors")));
        assertTrue(e.getMessage().contains("no such checkpoint"), e.getMessage());
        Path empty = write("empty.bin", new byte[0]);
        assertThrows(CheckpointException.class, () -> StateDict.open(empty));
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] safetensors(String header, int dataBytes) {
        return safetensors(header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }

    /** A safetensors file with the given header length field (which may lie), header text and zero data. */
    private static byte[] safetensors(long headerLength, String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(json);
        return b.array();
    }
}
