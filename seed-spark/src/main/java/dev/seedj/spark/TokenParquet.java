package dev.seedj.spark;

import java.io.IOException;
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
     * Writes one file, replacing any file at that path.
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
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(file, conf))
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
}
