package dev.seedj.core.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.seedj.core.config.ConfigValue;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Image-text pairs listed in a JSONL file, one object per line: {@code {"image": "<file>", "caption": "<text>"}}
 * (other keys are ignored, blank lines skipped). Image paths are relative to the JSONL file's folder and must stay
 * inside it.
 *
 * <p>Thread-safe: the index is immutable after opening and each {@link #get} reads its file independently.
 */
public final class JsonlImageTextDataset implements ImageTextDataset {
    private final Path folder;
    private final List<String> images;
    private final List<String> captions;

    private JsonlImageTextDataset(Path folder, List<String> images, List<String> captions) {
        this.folder = folder;
        this.images = images;
        this.captions = captions;
    }

    /**
     * Reads the index and checks that every image file exists.
     *
     * @param path the JSONL file, or a folder holding exactly one {@code *.jsonl} file
     * @return the dataset
     * @throws DatasetException naming the file and line of the first problem
     */
    public static JsonlImageTextDataset open(Path path) {
        Path jsonl = Files.isDirectory(path) ? findJsonl(path) : path;
        if (!Files.isRegularFile(jsonl)) {
            throw new DatasetException("image-text index " + jsonl + " does not exist");
        }
        Path folder = jsonl.toAbsolutePath().normalize().getParent();
        List<String> images = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(jsonl, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonObject obj = parseLine(jsonl, lineNo, line);
                String image = stringField(jsonl, lineNo, obj, "image");
                String caption = stringField(jsonl, lineNo, obj, "caption");
                Path file = folder.resolve(image).normalize();
                if (image.isEmpty() || !file.startsWith(folder)) {
                    throw new DatasetException(jsonl + " line " + lineNo + ": image path '" + image
                            + "' must name a file inside " + folder);
                }
                if (!Files.isRegularFile(file)) {
                    throw new DatasetException(jsonl + " line " + lineNo + ": image file " + file + " not found");
                }
                images.add(image);
                captions.add(caption);
            }
        } catch (IOException e) {
            throw new DatasetException("cannot read image-text index " + jsonl + ": " + e.getMessage(), e);
        }
        if (images.isEmpty()) {
            throw new DatasetException("image-text index " + jsonl + " lists no pairs");
        }
        return new JsonlImageTextDataset(folder, List.copyOf(images), List.copyOf(captions));
    }

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public ImageTextExample get(int index) {
        String image = images.get(index);
        Path file = folder.resolve(image);
        try {
            return new ImageTextExample(image, image, Files.readAllBytes(file), captions.get(index));
        } catch (IOException e) {
            throw new DatasetException("cannot read image " + file + ": " + e.getMessage(), e);
        }
    }

    /** Nothing is held open. */
    @Override
    public void close() {}

    private static Path findJsonl(Path dir) {
        List<Path> found;
        try (Stream<Path> files = Files.list(dir)) {
            found = files.filter(p -> p.getFileName().toString().endsWith(".jsonl") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            throw new DatasetException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (found.size() != 1) {
            throw new DatasetException("folder " + dir + " must hold exactly one .jsonl index, found "
                    + (found.isEmpty() ? "none" : found.stream().map(p -> p.getFileName().toString()).toList())
                    + "; pass the index file itself");
        }
        return found.get(0);
    }

    private static JsonObject parseLine(Path jsonl, int lineNo, String line) {
        JsonElement element;
        try {
            element = JsonParser.parseString(line);
        } catch (JsonParseException e) {
            throw new DatasetException(jsonl + " line " + lineNo + ": not valid JSON (" + ConfigValue.describe(e) + ")", e);
        }
        if (!element.isJsonObject()) {
            throw new DatasetException(jsonl + " line " + lineNo + ": expected a JSON object with \"image\" and"
                    + " \"caption\", got " + abbreviate(line));
        }
        return element.getAsJsonObject();
    }

    private static String stringField(Path jsonl, int lineNo, JsonObject obj, String name) {
        JsonElement e = obj.get(name);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new DatasetException(jsonl + " line " + lineNo + ": \"" + name + "\" must be a string, got "
                    + (e == null ? "nothing" : abbreviate(e.toString())));
        }
        return e.getAsString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
