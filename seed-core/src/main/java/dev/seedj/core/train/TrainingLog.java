package dev.seedj.core.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-step records of a run, kept in memory and (when backed by a file) appended to a JSONL file as they
 * come, one object per line: {@code {"step":1,"lr":1.0E-4,"grad_norm":0.5,"losses":{"total":2.1,"vq":0.3}}}.
 * A resumed run reopens the file with {@link #resume}, which drops the records after the checkpoint's step so
 * that the log matches the parameters. {@link #writeCsv} writes a table with one column per loss term.
 *
 * <p>Thread-safe: all methods are synchronized.
 */
public final class TrainingLog implements AutoCloseable {
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private final List<TrainingRecord> records = new ArrayList<>();
    private final BufferedWriter writer;

    private TrainingLog(List<TrainingRecord> initial, BufferedWriter writer) {
        this.records.addAll(initial);
        this.writer = writer;
    }

    /** @return a log kept in memory only */
    public static TrainingLog inMemory() {
        return new TrainingLog(List.of(), null);
    }

    /**
     * Starts a new JSONL log, replacing any file there.
     *
     * @param jsonl the file
     * @return the log
     * @throws UncheckedIOException if the file cannot be created
     */
    public static TrainingLog create(Path jsonl) {
        return new TrainingLog(List.of(), openWriter(jsonl, List.of()));
    }

    /**
     * Reopens a JSONL log to continue a run from a checkpoint: keeps the records up to {@code step}, rewrites the
     * file with them and appends from there. A missing file starts empty.
     *
     * @param jsonl the file
     * @param step the checkpoint's step
     * @return the log
     * @throws IllegalArgumentException if a line of the file is not a record
     */
    public static TrainingLog resume(Path jsonl, long step) {
        List<TrainingRecord> kept = new ArrayList<>();
        if (Files.exists(jsonl)) {
            for (TrainingRecord r : read(jsonl)) {
                if (r.step() <= step) {
                    kept.add(r);
                }
            }
        }
        return new TrainingLog(kept, openWriter(jsonl, kept));
    }

    /**
     * @param jsonl a log file written by this class
     * @return its records
     * @throws IllegalArgumentException naming the line of the first malformed record
     */
    public static List<TrainingRecord> read(Path jsonl) {
        List<String> lines;
        try {
            lines = Files.readAllLines(jsonl, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read training log " + jsonl, e);
        }
        List<TrainingRecord> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                JsonObject o = JsonParser.parseString(lines.get(i)).getAsJsonObject();
                Map<String, Double> losses = new LinkedHashMap<>();
                for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("losses").entrySet()) {
                    losses.put(e.getKey(), e.getValue().getAsDouble());
                }
                out.add(new TrainingRecord(o.get("step").getAsLong(), o.get("lr").getAsDouble(),
                        o.get("grad_norm").getAsDouble(), losses));
            } catch (JsonParseException | IllegalStateException | NullPointerException | NumberFormatException
                    | UnsupportedOperationException e) {
                throw new IllegalArgumentException("training log " + jsonl + " line " + (i + 1)
                        + " is not a training record: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * Adds a record (and writes it to the file, flushed).
     *
     * @param record the step's record
     */
    public synchronized void append(TrainingRecord record) {
        records.add(record);
        if (writer != null) {
            try {
                writer.write(toJson(record));
                writer.newLine();
                writer.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the training log", e);
            }
        }
    }

    /** @return a snapshot of the records, in step order */
    public synchronized List<TrainingRecord> records() {
        return Collections.unmodifiableList(new ArrayList<>(records));
    }

    /** @return every loss-term name seen, in first-seen order */
    public synchronized List<String> lossNames() {
        Set<String> names = new LinkedHashSet<>();
        records.forEach(r -> names.addAll(r.losses().keySet()));
        return List.copyOf(names);
    }

    /**
     * Writes the records as CSV: {@code step,lr,grad_norm,<loss names...>}; a term missing from a step is left
     * empty.
     *
     * @param csv the file to write
     * @throws UncheckedIOException if it cannot be written
     */
    public synchronized void writeCsv(Path csv) {
        List<String> names = lossNames();
        StringBuilder sb = new StringBuilder("step,lr,grad_norm");
        names.forEach(n -> sb.append(',').append(csvField(n)));
        sb.append('\n');
        for (TrainingRecord r : records) {
            sb.append(r.step()).append(',').append(r.learningRate()).append(',').append(r.gradNorm());
            for (String n : names) {
                Double v = r.losses().get(n);
                sb.append(',').append(v == null ? "" : v.toString());
            }
            sb.append('\n');
        }
        try {
            createParent(csv);
            Files.writeString(csv, sb.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + csv, e);
        }
    }

    /** Closes the file, if any. */
    @Override
    public synchronized void close() {
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close the training log", e);
            }
        }
    }

    private static String toJson(TrainingRecord r) {
        JsonObject o = new JsonObject();
        o.addProperty("step", r.step());
        o.addProperty("lr", r.learningRate());
        o.addProperty("grad_norm", r.gradNorm());
        JsonObject losses = new JsonObject();
        r.losses().forEach(losses::addProperty);
        o.add("losses", losses);
        return GSON.toJson(o);
    }

    private static BufferedWriter openWriter(Path jsonl, List<TrainingRecord> initial) {
        try {
            createParent(jsonl);
            BufferedWriter w = Files.newBufferedWriter(jsonl, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            for (TrainingRecord r : initial) {
                w.write(toJson(r));
                w.newLine();
            }
            w.flush();
            return w;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open training log " + jsonl, e);
        }
    }

    private static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
