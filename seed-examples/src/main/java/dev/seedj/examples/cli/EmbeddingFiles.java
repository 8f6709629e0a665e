package dev.seedj.examples.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.SafetensorsWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Writes generation embeddings (a float32 matrix [N, D]) to a NumPy {@code .npy} file or a
 * {@code .safetensors} file (tensor name {@value #TENSOR_NAME}), chosen by the file name's extension.
 *
 * <p>Stateless; thread-safe.
 */
public final class EmbeddingFiles {
    /** The tensor name in {@code .safetensors} output. */
    public static final String TENSOR_NAME = "generation_embeds";

    private EmbeddingFiles() {
    }

    /**
     * @param file output file ending in {@code .npy} or {@code .safetensors}
     * @param rows the embeddings [N][D], all rows of equal length
     * @throws CliException if the extension is neither, or the file cannot be written
     */
    public static void write(Path file, float[][] rows) {
        int n = rows.length;
        int d = n == 0 ? 0 : rows[0].length;
        float[] flat = new float[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows[i], 0, flat, i * d, d);
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        try {
            if (name.endsWith(".npy")) {
                writeNpy(file, flat, n, d);
            } else if (name.endsWith(".safetensors")) {
                try (NDManager manager = NDManager.newBaseManager()) {
                    NDArray array = manager.create(flat, new Shape(n, d));
                    new SafetensorsWriter().write(file, Map.of(TENSOR_NAME, array));
                }
            } else {
                throw new CliException("output file " + file + " must end in .npy or .safetensors");
            }
        } catch (CheckpointException e) {
            throw new CliException(e.getMessage(), e);
        }
    }

    /** NumPy format 1.0: magic, header length, a Python dict literal padded to 64 bytes, then the data. */
    private static void writeNpy(Path file, float[] flat, int n, int d) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + n + ", " + d + "), }";
        int unpadded = 10 + dict.length() + 1; // magic(6) + version(2) + length(2) + dict + '\n'
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        ByteBuffer data = ByteBuffer.allocate(flat.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(flat);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            out.write(header.length() & 0xff);
            out.write(header.length() >>> 8);
            out.write(header.getBytes(StandardCharsets.US_ASCII));
            out.write(data.array());
        } catch (IOException e) {
            throw new CliException("cannot write " + file + ": " + e, e);
        }
    }
}
