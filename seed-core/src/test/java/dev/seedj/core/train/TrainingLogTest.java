package dev.seedj.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingLogTest {

    private static TrainingRecord record(long step, double total, Double extra) {
        Map<String, Double> losses = new LinkedHashMap<>();
        losses.put("total", total);
        if (extra != null) {
            losses.put("vq", extra);
        }
        return new TrainingRecord(step, step / 1e4, 0.5, losses);
    }

    @Test
    void writesJsonlAndCsvAndResumesTruncatedToTheCheckpoint(@TempDir Path dir) throws IOException {
        Path jsonl = dir.resolve("log/train_log.jsonl");
        try (TrainingLog log = TrainingLog.create(jsonl)) {
            log.append(record(1, 2.0, null));
            log.append(record(2, 1.5, 0.25));
            log.append(record(3, Double.NaN, 0.2));
            log.writeCsv(dir.resolve("log.csv"));
        }
        assertEquals(List.of("step,lr,grad_norm,total,vq", "1,1.0E-4,0.5,2.0,", "2,2.0E-4,0.5,1.5,0.25",
                "3,3.0E-4,0.5,NaN,0.2"), Files.readAllLines(dir.resolve("log.csv")));
        List<TrainingRecord> read = TrainingLog.read(jsonl);
        assertEquals(record(2, 1.5, 0.25), read.get(1));
        assertTrue(read.get(2).losses().get("total").isNaN());
        try (TrainingLog resumed = TrainingLog.resume(jsonl, 2)) {
            assertEquals(2, resumed.records().size());
            resumed.append(record(3, 1.0, 0.1));
        }
        assertEquals(List.of(record(1, 2.0, null), record(2, 1.5, 0.25), record(3, 1.0, 0.1)), TrainingLog.read(jsonl));
    }

    @Test
    void plotsEveryTermToAPng(@TempDir Path dir) throws IOException {
        TrainingLog log = TrainingLog.inMemory();
        for (int s = 1; s <= 50; s++) {
            log.append(record(s, 3.0 / s, 0.5 / s));
        }
        Path png = dir.resolve("plots/loss.png");
        LossPlot.save(log, png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(1000, image.getWidth());
        assertEquals(600, image.getHeight());
        assertThrows(IllegalArgumentException.class, () -> LossPlot.save(TrainingLog.inMemory(), png));
        Files.writeString(dir.resolve("bad.jsonl"), "{\"step\": 1}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingLog.read(dir.resolve("bad.jsonl")));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }
}
