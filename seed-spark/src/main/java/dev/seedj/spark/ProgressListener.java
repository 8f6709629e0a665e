package dev.seedj.spark;

import java.io.PrintStream;
import java.util.Locale;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.LongAccumulator;

/**
 * Reports a job's progress on the driver from Spark's listener bus: after each finished task (at most every
 * {@code minIntervalMillis}) a line with the inputs done so far, the errors among them, the rate in images per
 * second since the job started and the chunks done. The counts come from accumulators the tasks add to;
 * Spark merges only successful tasks' updates, so retried tasks are not counted twice.
 *
 * <p>Thread-safe: the listener bus calls it from one thread; {@link #summary()} may be called from any.
 */
public final class ProgressListener extends SparkListener {
    private final LongAccumulator images;
    private final LongAccumulator errors;
    private final int totalChunks;
    private final PrintStream out;
    private final long minIntervalMillis;
    private final long startNanos = System.nanoTime();
    private int chunksDone;
    private long lastPrint;

    /**
     * @param images counts rows written
     * @param errors counts error rows
     * @param totalChunks chunks the job runs
     * @param out where progress lines go
     * @param minIntervalMillis the shortest time between two lines
     */
    public ProgressListener(LongAccumulator images, LongAccumulator errors, int totalChunks, PrintStream out,
            long minIntervalMillis) {
        this.images = images;
        this.errors = errors;
        this.totalChunks = totalChunks;
        this.out = out;
        this.minIntervalMillis = minIntervalMillis;
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        if (taskEnd.taskInfo().successful()) {
            chunksDone++;
        }
        long now = System.currentTimeMillis();
        if (now - lastPrint >= minIntervalMillis || chunksDone == totalChunks) {
            lastPrint = now;
            out.println(summary());
        }
    }

    /** @return a line with the images, errors, rate and chunks so far */
    public synchronized String summary() {
        double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        return String.format(Locale.ROOT, "seedj tokenize: %d images (%d errors), %.1f images/s, chunk %d/%d",
                images.value(), errors.value(), images.value() / seconds, chunksDone, totalChunks);
    }
}
