package dev.seedj.spark;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * The Parquet layout of the tokenize job's output, one row per input, ZSTD-compressed, with the model's
 * key/value metadata ({@link ModelInfo}) in every file's footer. Spark reads it as
 * {@code image_id string, source string, width int, height int, caption string, codes array<int>,
 * status string, error string}.
 *
 * <p>Stateless and thread-safe.
 */
public final class TokenParquet {
    /** The schema, in Parquet's message syntax ({@code codes} is a standard three-level LIST). */
    public static final String SCHEMA = """
            message seedj_tokens {
              optional binary image_id (STRING);
              required binary source (STRING);
              optional int32 width;
              optional int32 height;
              optional binary caption (STRING);
              optional group codes (LIST) {
                repeated group list {
                  required int32 element;
                }
              }
              required binary status (STRING);
              optional binary error (STRING);
            }""";

    private static final MessageType TYPE = MessageTypeParser.parseMessageType(SCHEMA);

    private TokenParquet() {}

    /**
     * Writes one file, replacing any file at that path: a local file with {@code java.nio} ({@link LocalFiles}),
     * any other through its Hadoop file system.
     *
     * @param file where
     * @param rows the rows, in order
     * @param metadata the footer's key/value metadata
     * @param conf reaches the file system
     * @throws IOException if writing fails
     */
    static void write(Path file, List<TokenRow> rows, Map<String, String> metadata, Configuration conf)
            throws IOException {
        SimpleGroupFactory groups = new SimpleGroupFactory(TYPE);
        java.nio.file.Path local = LocalFiles.of(file, conf);
        OutputFile out;
        if (local != null) {
            Files.createDirectories(local.getParent());
            out = new LocalOutputFile(local);
        } else {
            out = HadoopOutputFile.fromPath(file, conf);
        }
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(out)
                .withConf(conf)
                .withType(TYPE)
                .withCompressionCodec(CompressionCodecName.ZSTD)
                .withExtraMetaData(metadata)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build()) {
            for (TokenRow r : rows) {
                Group g = groups.newGroup();
                if (r.imageId() != null) {
                    g.append("image_id", r.imageId());
                }
                g.append("source", r.source());
                if (r.width() != null) {
                    g.append("width", r.width());
                    g.append("height", r.height());
                }
                if (r.caption() != null) {
                    g.append("caption", r.caption());
                }
                if (r.codes() != null) {
                    Group list = g.addGroup("codes");
                    for (int c : r.codes()) {
                        list.addGroup("list").append("element", c);
                    }
                }
                g.append("status", r.status());
                if (r.error() != null) {
                    g.append("error", r.error());
                }
                writer.write(g);
            }
        }
    }

    /**
     * A local Parquet file written with {@code java.nio}, through a 64 KiB buffer (Parquet's own
     * {@code LocalOutputFile} sizes its buffer by the row-group size, 128 MiB).
     */
    private record LocalOutputFile(java.nio.file.Path path) implements OutputFile {
        private static final int BUFFER_BYTES = 1 << 16;

        @Override
        public PositionOutputStream create(long blockSizeHint) throws IOException {
            return open(StandardOpenOption.CREATE_NEW);
        }

        @Override
        public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
            return open(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        }

        @Override
        public boolean supportsBlockSize() {
            return false;
        }

        @Override
        public long defaultBlockSize() {
            return 0;
        }

        @Override
        public String getPath() {
            return path.toString();
        }

        private PositionOutputStream open(StandardOpenOption... options) throws IOException {
            OutputStream file = new BufferedOutputStream(Files.newOutputStream(path, options), BUFFER_BYTES);
            return new PositionOutputStream() {
                private long position;

                @Override
                public long getPos() {
                    return position;
                }

                @Override
                public void write(int b) throws IOException {
                    file.write(b);
                    position++;
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    file.write(b, off, len);
                    position += len;
                }

                @Override
                public void flush() throws IOException {
                    file.flush();
                }

                @Override
                public void close() throws IOException {
                    file.close();
                }
            };
        }
    }
}
