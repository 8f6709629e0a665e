package dev.seedj.spark;

import ai.djl.pytorch.jni.JniUtils;
import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.tokenizer.SeedTokenizer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.util.LongAccumulator;

/**
 * The task of the tokenize job ({@code mapPartitions} over the planned chunks): reads each chunk's inputs in
 * order, decodes them, tokenizes the decodable images in fixed-size batches with this JVM's shared tokenizer,
 * and writes one Parquet file per chunk: to a task-private temporary file first, renamed into place when
 * complete, so a failed or retried task never leaves a partial or duplicate file. Every input becomes exactly one
 * row; unreadable, empty, corrupt, truncated and non-image inputs become {@code error} rows.
 *
 * <p>Serializable; each task uses its own copy, so instances are not shared between threads.
 */
final class TokenizeChunks implements FlatMapFunction<Iterator<Chunk>, ChunkResult> {
    private static final long serialVersionUID = 1L;

    /** Larger files are error rows rather than a byte array the JVM cannot hold. */
    private static final long MAX_FILE_BYTES = 1L << 30;

    private static final HexFormat HEX = HexFormat.of();

    private final ModelInfo model;
    private final String output;
    private final int batchSize;
    private final int threadsPerTask;
    private final HadoopConf conf;
    private final LongAccumulator images;
    private final LongAccumulator errors;

    TokenizeChunks(ModelInfo model, String output, int batchSize, int threadsPerTask, Configuration conf,
            LongAccumulator images, LongAccumulator errors) {
        this.model = model;
        this.output = output;
        this.batchSize = batchSize;
        this.threadsPerTask = threadsPerTask;
        this.conf = new HadoopConf(conf);
        this.images = images;
        this.errors = errors;
    }

    @Override
    public Iterator<ChunkResult> call(Iterator<Chunk> chunks) throws IOException {
        SeedTokenizer tokenizer = ExecutorTokenizer.get(model, conf.get());
        if (threadsPerTask > 0) {
            JniUtils.setNumThreads(threadsPerTask); // OpenMP's team size is per calling thread
        }
        List<ChunkResult> results = new ArrayList<>();
        while (chunks.hasNext()) {
            results.add(tokenize(chunks.next(), tokenizer));
        }
        return results.iterator();
    }

    private ChunkResult tokenize(Chunk chunk, SeedTokenizer tokenizer) throws IOException {
        long start = System.nanoTime();
        Configuration c = conf.get();
        Batcher batcher = new Batcher(tokenizer);
        for (WorkUnit unit : chunk.units()) {
            Path path = new Path(unit.source());
            if (unit.kind() == WorkUnit.Kind.TAR_SHARD) {
                try (InputStream in = InputFiles.open(path, c)) {
                    TarSamples.read(in, unit.source(), batcher::add);
                } catch (IOException e) {
                    batcher.add(Sample.failed(unit.source(), null, "cannot read the tar shard: " + e));
                }
            } else {
                batcher.add(readFile(path, unit, c));
            }
        }
        batcher.flush();
        Path dir = new Path(output);
        FileSystem fs = dir.getFileSystem(c);
        TaskContext task = TaskContext.get();
        String attempt = task == null ? "driver" : task.stageId() + "-" + task.taskAttemptId();
        Path tmp = new Path(new Path(dir, "_temporary"), "attempt-" + attempt + "-" + chunk.fileName());
        Path target = new Path(dir, chunk.fileName());
        TokenParquet.write(tmp, batcher.rows, model.metadata(), c);
        fs.delete(target, false); // a retried or speculative task replaces the identical file
        if (!fs.rename(tmp, target)) {
            throw new IOException("cannot move " + tmp + " to " + target);
        }
        long errorRows = batcher.rows.stream().filter(r -> r.error() != null).count();
        images.add(batcher.rows.size());
        errors.add(errorRows);
        return new ChunkResult(chunk.index(), target.toString(), batcher.rows.size(), errorRows,
                ProcessHandle.current().pid(), ExecutorTokenizer.loads(), (System.nanoTime() - start) / 1e9);
    }

    private static Sample readFile(Path path, WorkUnit unit, Configuration c) {
        try {
            return Sample.of(unit.source(), unit.caption(), InputFiles.readAll(path, c, MAX_FILE_BYTES));
        } catch (InputFiles.TooLargeException e) {
            return Sample.failed(unit.source(), unit.caption(), e.getMessage());
        } catch (IOException | RuntimeException e) { // missing, a directory, no permission, ...
            return Sample.failed(unit.source(), unit.caption(), "cannot read the file: " + message(e));
        }
    }

    /** Decodes samples as they come and tokenizes them in batches, keeping the input order of the rows. */
    private final class Batcher {
        final SeedTokenizer tokenizer;
        final MessageDigest sha256 = Chunk.sha256();
        final List<TokenRow> rows = new ArrayList<>();
        final List<Integer> pendingRow = new ArrayList<>();
        final List<BufferedImage> pendingImage = new ArrayList<>();

        Batcher(SeedTokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

        void add(Sample s) {
            if (s.bytes() == null) {
                rows.add(TokenRow.error(null, s.source(), null, null, s.caption(), s.problem()));
                return;
            }
            String id = HEX.formatHex(sha256.digest(s.bytes())); // digest() resets it for the next input
            BufferedImage image;
            try {
                image = ImagePreprocessor.decode(s.bytes());
            } catch (RuntimeException e) {
                rows.add(TokenRow.error(id, s.source(), null, null, s.caption(), "cannot decode the image: "
                        + message(e)));
                return;
            }
            pendingRow.add(rows.size());
            pendingImage.add(image);
            // codes are filled in when the batch runs
            rows.add(TokenRow.ok(id, s.source(), image.getWidth(), image.getHeight(), s.caption(), null));
            if (pendingImage.size() == batchSize) {
                flush();
            }
        }

        void flush() {
            if (pendingImage.isEmpty()) {
                return;
            }
            int[][] codes;
            try {
                codes = tokenizer.tokenize(pendingImage);
            } catch (RuntimeException batchFailure) {
                codes = new int[pendingImage.size()][];
                for (int i = 0; i < codes.length; i++) { // find the image that fails, keep the others
                    try {
                        codes[i] = tokenizer.tokenize(pendingImage.get(i));
                    } catch (RuntimeException e) {
                        TokenRow r = rows.get(pendingRow.get(i));
                        rows.set(pendingRow.get(i), TokenRow.error(r.imageId(), r.source(), r.width(), r.height(),
                                r.caption(), "the tokenizer failed on this image: " + message(e)));
                    }
                }
            }
            for (int i = 0; i < codes.length; i++) {
                TokenRow r = rows.get(pendingRow.get(i));
                if (codes[i] != null) {
                    rows.set(pendingRow.get(i), TokenRow.ok(r.imageId(), r.source(), r.width(), r.height(),
                            r.caption(), codes[i]));
                }
            }
            pendingRow.clear();
            pendingImage.clear();
        }
    }

    private static String message(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getName();
    }
}
