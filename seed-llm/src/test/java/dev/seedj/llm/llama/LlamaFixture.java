package dev.seedj.llm.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.StateDict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Access to {@code llama-tiny}'s expected tensors, copies of its directory, and tolerance checks. */
final class LlamaFixture implements AutoCloseable {
    /** Absolute tolerance on logits and activations (the oracle README's 1e-4 guidance). */
    static final double TOL = 1e-4;

    final Path dir = Oracle.path("llama-tiny");
    private final StateDict expected = StateDict.open(dir.resolve("expected.safetensors"));

    float[] floats(String key) {
        return expected.getFloats(key);
    }

    long[] shape(String key) {
        return expected.info(key).shape();
    }

    long[] longs(String key) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = expected.get(key, m);
            return a.toLongArray();
        }
    }

    long[][] longs2d(String key) {
        long[] shape = shape(key);
        long[] flat = longs(key);
        long[][] out = new long[(int) shape[0]][(int) shape[1]];
        for (int r = 0; r < out.length; r++) {
            System.arraycopy(flat, r * out[r].length, out[r], 0, out[r].length);
        }
        return out;
    }

    /**
     * A directory holding only the given fixture files (symbolic links) and a config.json, so a test picks which
     * weight format {@link LlamaModel#load} finds.
     */
    static Path view(Path target, Path source, String config, String... files) {
        try {
            Files.createDirectories(target);
            for (String f : files) {
                Files.createSymbolicLink(target.resolve(f), source.resolve(f).toAbsolutePath());
            }
            Files.writeString(target.resolve("config.json"), config);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String config() {
        try {
            return Files.readString(dir.resolve("config.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The rows {@code [b, t, :]} of a row-major [B, T, width] array. */
    static float[] row(float[] a, int t, int width, int b, int i) {
        int from = (b * t + i) * width;
        return java.util.Arrays.copyOfRange(a, from, from + width);
    }

    @Override
    public void close() {
        expected.close();
    }
}
