package dev.seedj.spark;

import dev.seedj.llm.train.LmExample;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The sequences job: a table written by {@link TokenizeJob} -> LLM training sequences, one row per image and
 * direction ({@link ImageTextSequences}): {@code image_id}, {@code source}, {@code task} ({@code caption} or
 * {@code generation}), {@code input_ids array<int>} and {@code labels array<int>} (-100 on the prompt), in
 * Parquet (ZSTD). Rows with status {@code error} or without a caption make no sequence. Submit with
 *
 * <pre>{@code
 * spark-submit --class dev.seedj.spark.SequencesJob seed-spark-<version>-all.jar \
 *     --tokens s3a://corpus/tokens --llm /models/seed-opt --output s3a://corpus/sequences
 * }</pre>
 *
 * The output is replaced as a whole (a rerun writes the same rows); the model's family is chosen by the
 * {@code model_type} of its {@code config.json} ({@link SequenceFormats}).
 *
 * <p>Not thread-safe: one instance runs one job.
 */
@Command(name = "spark-sequences", mixinStandardHelpOptions = true,
        description = "Turn a SEED token table into LLM training sequences (SEED-OPT prompt formats), on Spark.")
public final class SequencesJob implements Callable<Integer> {
    /** The output schema. */
    public static final StructType SCHEMA = new StructType()
            .add("image_id", DataTypes.StringType, true)
            .add("source", DataTypes.StringType, false)
            .add("task", DataTypes.StringType, false)
            .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add("labels", DataTypes.createArrayType(DataTypes.IntegerType, false), false);

    @Option(names = "--tokens", required = true, description = "The tokenize job's output directory.")
    private String tokens;

    @Option(names = "--llm", required = true, description = "The language model directory (config.json,"
            + " text tokenizer files, seed_prompts.json): a local path on every node or a Hadoop URI.")
    private String llm;

    @Option(names = "--output", required = true, description = "The output directory (replaced).")
    private String output;

    @Option(names = "--tasks", split = ",", defaultValue = "CAPTION,GENERATION",
            description = "Directions to build: CAPTION (image to text), GENERATION (text to image)"
                    + " (default: ${DEFAULT-VALUE}).")
    private List<ImageTextSequences.Task> tasks;

    private PrintStream progress = System.out;

    /** Spark runs this from {@code spark-submit}; picocli parses the options. */
    public SequencesJob() {}

    /**
     * @param args the command-line options ({@code --help} lists them)
     * @return a job ready to {@link #run}
     */
    public static SequencesJob fromArgs(String... args) {
        SequencesJob job = new SequencesJob();
        new CommandLine(job).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args);
        return job;
    }

    /**
     * The {@code spark-submit} entry point.
     *
     * @param args the options
     */
    public static void main(String[] args) {
        int status = new CommandLine(new SequencesJob()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * @param out where the summary goes (standard output by default)
     * @return this job
     */
    public SequencesJob progressTo(PrintStream out) {
        this.progress = out;
        return this;
    }

    /** @return 0 when the output is written */
    @Override
    public Integer call() {
        run(SparkSession.builder().appName("seedj-sequences").getOrCreate());
        return 0;
    }

    /**
     * Builds and writes the sequences.
     *
     * @param spark the session
     * @return sequences written
     */
    public long run(SparkSession spark) {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("--tasks names no direction");
        }
        long start = System.nanoTime();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        int codebookSize = codebookSize(conf);
        Dataset<Row> images = spark.read().parquet(tokens)
                .filter("status = 'ok' AND caption IS NOT NULL")
                .select("image_id", "source", "caption", "codes");
        Dataset<Row> sequences = images.mapPartitions(
                new BuildSequences(llm, codebookSize, List.copyOf(tasks), new HadoopConf(conf)),
                Encoders.row(SCHEMA));
        sequences.write().mode(SaveMode.Overwrite).option("compression", "zstd").parquet(output);
        long written = spark.read().parquet(output).count();
        progress.printf(Locale.ROOT, "seedj sequences: %d sequences (%s) in %.1f s%n", written, tasks,
                (System.nanoTime() - start) / 1e9);
        return written;
    }

    /** The codebook size recorded in the token files' metadata by the tokenize job. */
    private int codebookSize(Configuration conf) {
        Path dir = new Path(tokens);
        try {
            FileSystem fs = dir.getFileSystem(conf);
            for (FileStatus f : fs.listStatus(dir)) {
                if (f.getPath().getName().startsWith("part-") && f.getPath().getName().endsWith(".parquet")) {
                    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromStatus(f, conf))) {
                        String size = reader.getFooter().getFileMetaData().getKeyValueMetaData()
                                .get(ModelInfo.CODEBOOK_SIZE);
                        if (size == null) {
                            throw new IllegalArgumentException(f.getPath() + " lacks " + ModelInfo.CODEBOOK_SIZE
                                    + ": not written by the seedj tokenize job");
                        }
                        return Integer.parseInt(size);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the token table " + tokens + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("no part-*.parquet file in " + tokens);
    }

    /** The task: rows of the token table -> sequences, with this JVM's shared format. */
    private static final class BuildSequences implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;

        private final String llm;
        private final int codebookSize;
        private final List<ImageTextSequences.Task> tasks;
        private final HadoopConf conf;

        BuildSequences(String llm, int codebookSize, List<ImageTextSequences.Task> tasks, HadoopConf conf) {
            this.llm = llm;
            this.codebookSize = codebookSize;
            this.tasks = tasks;
            this.conf = conf;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            ImageTextSequences sequences = new ImageTextSequences(SequenceFormats.shared(llm, codebookSize,
                    conf.get()));
            return new Iterator<>() {
                private final List<Row> pending = new ArrayList<>();

                @Override
                public boolean hasNext() {
                    return !pending.isEmpty() || rows.hasNext();
                }

                @Override
                public Row next() {
                    if (pending.isEmpty()) {
                        Row r = rows.next();
                        int[] codes = r.getList(3).stream().mapToInt(c -> (Integer) c).toArray();
                        for (ImageTextSequences.Task task : tasks) {
                            LmExample e = sequences.build(task, codes, r.getString(2));
                            pending.add(RowFactory.create(r.getString(0), r.getString(1),
                                    task.name().toLowerCase(Locale.ROOT), toInts(e.inputIds()), toInts(e.labels())));
                        }
                    }
                    return pending.remove(0);
                }
            };
        }

        private static Integer[] toInts(long[] ids) {
            return Arrays.stream(ids).mapToObj(Math::toIntExact).toArray(Integer[]::new);
        }
    }
}
