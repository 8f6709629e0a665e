package dev.seedj.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local files are read and written with {@code java.nio} ({@link LocalFiles}), files elsewhere through Hadoop
 * ({@link RemoteLikeFileSystem} stands for HDFS or S3): both give the same bytes and the same errors.
 */
class InputFilesTest {
    @TempDir
    Path tmp;

    private final Configuration conf = new Configuration();
    private final byte[] data = "not really a PNG, but bytes to read".getBytes(StandardCharsets.UTF_8);
    private Path file;

    @BeforeEach
    void writeFile() throws IOException {
        conf.set("fs." + RemoteLikeFileSystem.SCHEME + ".impl", RemoteLikeFileSystem.class.getName());
        file = Files.write(tmp.resolve("image one.png"), data);
    }

    private static org.apache.hadoop.fs.Path local(Path p) {
        return new org.apache.hadoop.fs.Path(p.toUri());
    }

    private static org.apache.hadoop.fs.Path remote(Path p) {
        return new org.apache.hadoop.fs.Path(RemoteLikeFileSystem.SCHEME + "://" + p.toAbsolutePath());
    }

    @Test
    void localPathsAreTheFilesOfFileUrisAndOfSchemelessPathsOnTheLocalDefaultFileSystem() throws IOException {
        assertEquals(file, LocalFiles.of(local(file), conf));
        assertEquals(file, LocalFiles.of(new org.apache.hadoop.fs.Path(file.toString()), conf));
        assertNull(LocalFiles.of(remote(file), conf));
    }

    @Test
    void localAndHadoopReadsGiveTheFileBytes() throws IOException {
        assertArrayEquals(data, InputFiles.readAll(local(file), conf, 1000));
        assertArrayEquals(data, InputFiles.readAll(remote(file), conf, 1000));
        for (org.apache.hadoop.fs.Path p : List.of(local(file), remote(file))) {
            try (InputStream in = InputFiles.open(p, conf)) {
                assertArrayEquals(data, in.readAllBytes(), p.toString());
            }
        }
    }

    @Test
    void missingDirectoryAndTooLargeFilesSaySo() {
        Path missing = tmp.resolve("missing.png");
        for (org.apache.hadoop.fs.Path p : List.of(local(missing), remote(missing))) {
            assertThrows(FileNotFoundException.class, () -> InputFiles.readAll(p, conf, 1000), p.toString());
        }
        IOException notFound = assertThrows(FileNotFoundException.class, () -> InputFiles.open(local(missing), conf));
        assertTrue(notFound.getMessage().contains("missing.png"), notFound.getMessage());
        for (org.apache.hadoop.fs.Path p : List.of(local(tmp), remote(tmp))) {
            IOException e = assertThrows(IOException.class, () -> InputFiles.readAll(p, conf, 1000), p.toString());
            assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        }
        for (org.apache.hadoop.fs.Path p : List.of(local(file), remote(file))) {
            IOException e = assertThrows(InputFiles.TooLargeException.class, () -> InputFiles.readAll(p, conf, 10));
            assertEquals("the file has " + data.length + " bytes, more than an image may have (10)", e.getMessage());
        }
    }

    @Test
    void aLocalParquetFileIsTheFileHadoopWrites() throws IOException {
        List<TokenRow> rows = List.of(
                TokenRow.ok("ab12", "file:/corpus/a.png", 64, 48, "a red circle", new int[] {1, 2, 3, 255}),
                TokenRow.error(null, "file:/corpus/gone.png", null, null, null, "cannot read the file: gone"),
                TokenRow.ok("cd34", "file:/corpus/b.png", 80, 80, null, new int[] {7, 7, 0, 9}));
        Map<String, String> metadata = Map.of(ModelInfo.NUM_CODES, "4", ModelInfo.CODEBOOK_SIZE, "256");
        Path viaNio = tmp.resolve("nio/part.parquet");
        Path viaHadoop = tmp.resolve("hadoop/part.parquet");
        TokenParquet.write(local(viaNio), rows, metadata, conf);
        TokenParquet.write(remote(viaHadoop), rows, metadata, conf);
        assertArrayEquals(Files.readAllBytes(viaHadoop), Files.readAllBytes(viaNio));
        // written again in place: replaced, not appended to
        TokenParquet.write(local(viaNio), rows.subList(0, 1), metadata, conf);
        TokenParquet.write(local(viaNio), rows, metadata, conf);
        assertArrayEquals(Files.readAllBytes(viaHadoop), Files.readAllBytes(viaNio));
    }
}
