package dev.seedj.examples.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports the progress of long work: a progress bar on standard error when the process runs in a terminal,
 * plain log lines (at most one per step, through SLF4J) otherwise, so redirected output stays readable.
 *
 * <p>Not thread-safe: one thread reports the steps of one task.
 */
public final class Progress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

    private final String task;
    private final long total;
    private final ProgressBar bar;
    private long done;

    private Progress(String task, long total, ProgressBar bar) {
        this.task = task;
        this.total = total;
        this.bar = bar;
    }

    /**
     * @param task what is being done, e.g. {@code "tokenize"}
     * @param total number of steps
     * @return a bar when {@link #isTerminal()} is true, log lines otherwise
     */
    public static Progress start(String task, long total) {
        return start(task, total, isTerminal());
    }

    /**
     * @param task what is being done
     * @param total number of steps
     * @param terminal true for a progress bar, false for log lines
     * @return the reporter
     */
    public static Progress start(String task, long total, boolean terminal) {
        if (!terminal) {
            LOG.info("{}: {} steps", task, total);
            return new Progress(task, total, null);
        }
        ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(200).build();
        return new Progress(task, total, bar);
    }

    /** @return whether standard input and output are a terminal */
    public static boolean isTerminal() {
        return System.console() != null;
    }

    /**
     * Records finished steps.
     *
     * @param steps how many steps just finished
     * @param detail what they were (shown in the log line or beside the bar)
     */
    public void step(long steps, String detail) {
        done += steps;
        if (bar != null) {
            bar.stepBy(steps);
            bar.setExtraMessage(detail);
        } else {
            LOG.info("{}: {}/{} {}", task, done, total, detail);
        }
    }

    /** Ends the bar (no effect for log lines). */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
