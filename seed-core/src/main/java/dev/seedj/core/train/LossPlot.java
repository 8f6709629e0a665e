package dev.seedj.core.train;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws the loss curves of a {@link TrainingLog} to a PNG with XChart: one line per loss term against the step,
 * on a logarithmic axis when every plotted value is positive. Non-finite values are left out. Rendering needs no
 * display: unless the application chose otherwise, {@code java.awt.headless} is set to true before the first
 * chart is drawn.
 *
 * <p>Stateless and thread-safe.
 */
public final class LossPlot {
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 600;

    private LossPlot() {}

    /**
     * @param log the records to draw
     * @param png the file to write (parent folders are created)
     * @throws IllegalArgumentException if the log has no finite loss value
     * @throws UncheckedIOException if the file cannot be written
     */
    public static void save(TrainingLog log, Path png) {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        List<TrainingRecord> records = log.records();
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Training losses")
                .xAxisTitle("step").yAxisTitle("loss").build();
        boolean allPositive = true;
        int series = 0;
        for (String name : log.lossNames()) {
            List<Double> steps = new ArrayList<>();
            List<Double> values = new ArrayList<>();
            for (TrainingRecord r : records) {
                Double v = r.losses().get(name);
                if (v != null && Double.isFinite(v)) {
                    steps.add((double) r.step());
                    values.add(v);
                    allPositive &= v > 0;
                }
            }
            if (!values.isEmpty()) {
                XYSeries s = chart.addSeries(name, steps, values);
                s.setMarker(SeriesMarkers.NONE);
                series++;
            }
        }
        if (series == 0) {
            throw new IllegalArgumentException("the training log has no finite loss value to plot");
        }
        chart.getStyler().setYAxisLogarithmic(allPositive);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        try {
            Path parent = png.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (OutputStream out = Files.newOutputStream(png)) {
                BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the loss plot " + png, e);
        }
    }
}
