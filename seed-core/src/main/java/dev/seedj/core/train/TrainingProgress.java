package dev.seedj.core.train;

import java.time.Duration;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Progress of a run: a terminal progress bar (me.tongfei progressbar, on standard error) when a console is
 * attached, and otherwise only the elapsed time and estimated time left that the loop's log lines carry.
 *
 * <p>Not thread-safe; used by the training loop's thread.
 */
final class TrainingProgress implements AutoCloseable {
    private final long startStep;
    private final long totalSteps;
    private final long startNanos = System.nanoTime();
    private final ProgressBar bar;

    /**
     * @param startStep steps already done (when resuming)
     * @param totalSteps steps of the whole run
     * @param console whether to draw a progress bar
     */
    TrainingProgress(long startStep, long totalSteps, boolean console) {
        this.startStep = startStep;
        this.totalSteps = totalSteps;
        this.bar = console
                ? new ProgressBarBuilder().setTaskName("train").setInitialMax(totalSteps)
                        .startsFrom(startStep, Duration.ZERO).setUpdateIntervalMillis(500).build()
                : null;
    }

    /**
     * @param step steps completed
     * @param message the latest losses, shown beside the bar
     */
    void update(long step, String message) {
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(message);
        }
    }

    /**
     * @param step steps completed
     * @return {@code elapsed h:mm:ss, eta h:mm:ss} measured from this run's start
     */
    String timing(long step) {
        long elapsed = System.nanoTime() - startNanos;
        long done = step - startStep;
        String eta = done <= 0 ? "?" : format(elapsed / done * (totalSteps - step));
        return "elapsed " + format(elapsed) + ", eta " + eta;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }

    private static String format(long nanos) {
        long s = nanos / 1_000_000_000L;
        return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
