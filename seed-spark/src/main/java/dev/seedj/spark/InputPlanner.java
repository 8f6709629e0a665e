package dev.seedj.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;

/**
 * Lists the tokenize job's inputs on the driver, in a deterministic order (sorted by source), so every run and
 * every retried task sees the same chunks:
 * <ul>
 *   <li>image directories or globs through Spark's {@code binaryFile} source, recursively (only the path, length
 *       and modification time columns are read here; the bytes are read by the tasks);</li>
 *   <li>webdataset tar shards: files or globs, or directories searched recursively for {@code .tar},
 *       {@code .tar.gz} and {@code .tgz};</li>
 *   <li>manifests: JSONL or Parquet with an image path/URI column and an optional caption column; relative paths
 *       are resolved against the manifest's directory.</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
final class InputPlanner {
    private InputPlanner() {}

    static List<WorkUnit> images(SparkSession spark, String pathOrGlob, String pathGlobFilter) {
        var reader = spark.read().format("binaryFile").option("recursiveFileLookup", "true");
        if (pathGlobFilter != null) {
            reader = reader.option("pathGlobFilter", pathGlobFilter);
        }
        Dataset<Row> files = reader.load(pathOrGlob);
        List<Row> rows = files.select("path", "length", "modificationTime").collectAsList();
        List<WorkUnit> out = new ArrayList<>(rows.size());
        Set<String> seen = new HashSet<>();
        for (Row r : rows) {
            String file = canonical(r.getString(0));
            out.add(new WorkUnit(WorkUnit.Kind.IMAGE_FILE, file, null,
                    r.getLong(1) + "@" + r.getTimestamp(2).getTime()));
            seen.add(file);
        }
        // the scan skips empty files; the listing has them, and each becomes an error row
        for (String listed : files.inputFiles()) {
            String file = canonical(listed);
            if (seen.add(file)) {
                out.add(new WorkUnit(WorkUnit.Kind.IMAGE_FILE, file, null, "listed"));
            }
        }
        return out;
    }

    static List<WorkUnit> tarShards(String pathOrGlob, Configuration conf) {
        Path path = new Path(pathOrGlob);
        List<WorkUnit> out = new ArrayList<>();
        try {
            FileSystem fs = path.getFileSystem(conf);
            FileStatus[] matches = fs.globStatus(path);
            if (matches == null || matches.length == 0) {
                throw new IllegalArgumentException("no tar shard matches " + pathOrGlob);
            }
            for (FileStatus m : matches) {
                if (m.isFile()) {
                    out.add(shard(m));
                    continue;
                }
                RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> files = fs.listFiles(m.getPath(), true);
                while (files.hasNext()) {
                    FileStatus f = files.next();
                    String name = f.getPath().getName().toLowerCase(Locale.ROOT);
                    if (name.endsWith(".tar") || name.endsWith(".tar.gz") || name.endsWith(".tgz")) {
                        out.add(shard(f));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list tar shards " + pathOrGlob + ": " + e.getMessage(), e);
        }
        return out;
    }

    static List<WorkUnit> manifest(SparkSession spark, String manifest, String imageColumn, String captionColumn,
            Configuration conf) {
        String lower = manifest.toLowerCase(Locale.ROOT);
        Dataset<Row> table = lower.endsWith(".parquet") || isParquetDirectory(manifest, conf)
                ? spark.read().parquet(manifest)
                : spark.read().json(manifest);
        List<String> columns = Arrays.stream(table.schema().fields()).map(StructField::name).toList();
        if (!columns.contains(imageColumn)) {
            throw new IllegalArgumentException("the manifest " + manifest + " has no column '" + imageColumn
                    + "' (it has " + columns + "); choose the image column with --image-column");
        }
        boolean captions = captionColumn != null && columns.contains(captionColumn);
        Dataset<Row> selected = captions ? table.select(imageColumn, captionColumn) : table.select(imageColumn);
        Path base = baseDirectory(manifest, conf);
        List<WorkUnit> out = new ArrayList<>();
        for (Row r : selected.collectAsList()) {
            String image = r.isNullAt(0) ? "" : r.get(0).toString();
            String caption = captions && !r.isNullAt(1) ? r.get(1).toString() : null;
            String source = image.isEmpty() ? manifest + " (a row without an image path)"
                    : new Path(image).isAbsoluteAndSchemeAuthorityNull() || new Path(image).toUri().getScheme() != null
                    ? image : new Path(base, image).toString();
            out.add(new WorkUnit(WorkUnit.Kind.IMAGE_FILE, source, caption, ""));
        }
        return out;
    }

    private static boolean isParquetDirectory(String manifest, Configuration conf) {
        try {
            Path p = new Path(manifest);
            FileSystem fs = p.getFileSystem(conf);
            if (!fs.exists(p) || !fs.getFileStatus(p).isDirectory()) {
                return false;
            }
            for (FileStatus f : fs.listStatus(p)) {
                if (f.getPath().getName().endsWith(".parquet")) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the manifest " + manifest + ": " + e.getMessage(), e);
        }
    }

    private static Path baseDirectory(String manifest, Configuration conf) {
        Path p = new Path(manifest);
        try {
            FileSystem fs = p.getFileSystem(conf);
            Path qualified = fs.makeQualified(p);
            return fs.exists(qualified) && fs.getFileStatus(qualified).isDirectory() ? qualified
                    : qualified.getParent();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the manifest " + manifest + ": " + e.getMessage(), e);
        }
    }

    /** One spelling per file: Spark lists {@code file:///x} in one place and {@code file:/x} in another. */
    private static String canonical(String uri) {
        try {
            return new Path(new URI(uri)).toString();
        } catch (URISyntaxException e) {
            return new Path(uri).toString();
        }
    }

    private static WorkUnit shard(FileStatus f) {
        return new WorkUnit(WorkUnit.Kind.TAR_SHARD, f.getPath().toString(), null,
                f.getLen() + "@" + f.getModificationTime());
    }
}
