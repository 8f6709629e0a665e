package dev.seedj.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The tokenize job: image files, webdataset tar shards and manifests -> one Parquet row per input with the
 * image's SEED codes ({@link TokenParquet}). Submit it with
 *
 * <pre>{@code
 * spark-submit --class dev.seedj.spark.TokenizeJob seed-spark-<version>-all.jar \
 *     --model hdfs:///models/seed-tokenizer-v2 --tars 's3a://corpus/shards/*.tar' --output s3a://corpus/tokens
 * }</pre>
 *
 * The driver lists the inputs in a fixed order and cuts them into chunks (up to {@code --chunk-size} image
 * files, or one tar shard); each chunk is one Spark task and one Parquet file named by its index and a
 * fingerprint of its inputs and the model. Rerunning on the same output skips the chunks whose file is there
 * ({@code --mode resume}, the default) or rewrites them ({@code --mode overwrite}); files of chunks that are no
 * longer in the plan are deleted. Either way every input has exactly one row.
 *
 * <p>Not thread-safe: one instance runs one job.
 */
@Command(name = "spark-tokenize", mixinStandardHelpOptions = true,
        description = "Tokenize image files, webdataset tar shards and manifests with SEED into Parquet, on Spark.")
public final class TokenizeJob implements Callable<Integer> {
    /** What to do with chunks an earlier run already wrote. Enum constants are immutable and thread-safe. */
    public enum Mode {
        /** Keep a chunk whose file (same inputs, same model) exists; tokenize the rest. */
        RESUME,
        /** Tokenize every chunk again, replacing its file. */
        OVERWRITE
    }

    @Option(names = "--model", required = true, description = "The tokenizer directory (seed-tokenizer.json and"
            + " weights): a local path on every node, or a Hadoop URI copied once to each executor.")
    private String model;

    @Option(names = "--images", description = "A directory or glob of image files, searched recursively"
            + " (repeatable).")
    private List<String> images = new ArrayList<>();

    @Option(names = "--tars", description = "Webdataset tar shards: files, globs or directories (repeatable).")
    private List<String> tars = new ArrayList<>();

    @Option(names = "--manifest", description = "A JSONL or Parquet manifest of images (repeatable).")
    private List<String> manifests = new ArrayList<>();

    @Option(names = "--image-column", defaultValue = "image", description = "The manifest's image path/URI column"
            + " (default: ${DEFAULT-VALUE}).")
    private String imageColumn;

    @Option(names = "--caption-column", defaultValue = "caption", description = "The manifest's caption column,"
            + " used when present (default: ${DEFAULT-VALUE}).")
    private String captionColumn;

    @Option(names = "--path-glob-filter", description = "Only image files whose name matches this glob (e.g."
            + " '*.{jpg,png}'); by default every file under --images is an input.")
    private String pathGlobFilter;

    @Option(names = "--output", required = true, description = "The output directory (any Hadoop URI).")
    private String output;

    @Option(names = "--mode", defaultValue = "RESUME", description = "RESUME or OVERWRITE (default: ${DEFAULT-VALUE}).")
    private Mode mode;

    @Option(names = "--batch-size", defaultValue = "8", description = "Images per forward pass (default:"
            + " ${DEFAULT-VALUE}).")
    private int batchSize;

    @Option(names = "--chunk-size", defaultValue = "1000", description = "Image files per task and output file"
            + " (default: ${DEFAULT-VALUE}); a tar shard is always one chunk.")
    private int chunkSize;

    @Option(names = "--threads-per-task", defaultValue = "1", description = "libtorch intra-op threads per task"
            + " (default: ${DEFAULT-VALUE}; 0 keeps libtorch's setting). Give executors cores = tasks x threads.")
    private int threadsPerTask;

    private PrintStream progress = System.out;

    /** Spark runs this from {@code spark-submit}; picocli parses the options. */
    public TokenizeJob() {}

    /**
     * @param args the command-line options ({@code --help} lists them)
     * @return a job ready to {@link #run}
     * @throws CommandLine.ParameterException for unknown or malformed options
     */
    public static TokenizeJob fromArgs(String... args) {
        TokenizeJob job = new TokenizeJob();
        new CommandLine(job).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args);
        return job;
    }

    /**
     * The {@code spark-submit} entry point.
     *
     * @param args the options
     */
    public static void main(String[] args) {
        int status = new CommandLine(new TokenizeJob()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs the job in the session {@code spark-submit} created (or a new one).
     *
     * @return 0 when every chunk was written
     */
    @Override
    public Integer call() {
        SparkSession spark = SparkSession.builder().appName("seedj-tokenize").getOrCreate();
        TokenizeSummary summary = run(spark);
        progress.println(summary);
        return 0;
    }

    /**
     * @param out where progress lines go (standard output by default)
     * @return this job
     */
    public TokenizeJob progressTo(PrintStream out) {
        this.progress = out;
        return this;
    }

    /**
     * Plans, tokenizes and writes.
     *
     * @param spark the session
     * @return what was done
     * @throws IllegalArgumentException if no input is given or an input cannot be listed
     */
    public TokenizeSummary run(SparkSession spark) {
        if (images.isEmpty() && tars.isEmpty() && manifests.isEmpty()) {
            throw new IllegalArgumentException("no input: give --images, --tars or --manifest");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("--batch-size must be positive, got " + batchSize);
        }
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        ModelInfo modelInfo = ModelInfo.read(model, conf);
        List<WorkUnit> units = new ArrayList<>();
        images.forEach(p -> units.addAll(InputPlanner.images(spark, p, pathGlobFilter)));
        tars.forEach(p -> units.addAll(InputPlanner.tarShards(p, conf)));
        manifests.forEach(p -> units.addAll(InputPlanner.manifest(spark, p, imageColumn, captionColumn, conf)));
        units.sort(Comparator.naturalOrder());
        List<Chunk> plan = Chunk.plan(units, chunkSize, modelInfo.fingerprint());
        List<Chunk> todo = prepareOutput(plan, conf);

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        LongAccumulator imageCount = spark.sparkContext().longAccumulator("seedj images");
        LongAccumulator errorCount = spark.sparkContext().longAccumulator("seedj errors");
        ProgressListener listener = new ProgressListener(imageCount, errorCount, todo.size(), progress, 5_000);
        List<ChunkResult> results = List.of();
        long start = System.nanoTime();
        if (!todo.isEmpty()) {
            spark.sparkContext().addSparkListener(listener);
            try {
                // one chunk per partition: the partitioning is the plan, whatever the cluster
                results = jsc.parallelize(todo, todo.size())
                        .mapPartitions(new TokenizeChunks(modelInfo, output, batchSize, threadsPerTask, conf,
                                imageCount, errorCount))
                        .collect();
            } finally {
                spark.sparkContext().removeSparkListener(listener);
            }
        }
        return new TokenizeSummary(units.size(), plan.size(), plan.size() - todo.size(), results,
                (System.nanoTime() - start) / 1e9);
    }

    /** Deletes files of chunks not in the plan (and, to overwrite, all); returns the chunks to run. */
    private List<Chunk> prepareOutput(List<Chunk> plan, Configuration conf) {
        Path dir = new Path(output);
        try {
            FileSystem fs = dir.getFileSystem(conf);
            fs.mkdirs(dir);
            fs.delete(new Path(dir, "_temporary"), true); // attempts of an interrupted run
            Set<String> planned = plan.stream().map(Chunk::fileName).collect(Collectors.toSet());
            Set<String> existing = new java.util.HashSet<>();
            for (FileStatus f : fs.listStatus(dir)) {
                String name = f.getPath().getName();
                if (!name.startsWith("part-")) {
                    continue;
                }
                if (mode == Mode.OVERWRITE || !planned.contains(name)) {
                    fs.delete(f.getPath(), true);
                } else {
                    existing.add(name);
                }
            }
            return plan.stream().filter(c -> !existing.contains(c.fileName())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the output " + output + ": " + e.getMessage(), e);
        }
    }
}
