package dev.seedj.llm.text;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes a tiny OPT-like byte-level BPE (vocab.json + merges.txt) for tests. */
public final class TinyByteLevelBpe {
    private TinyByteLevelBpe() {}

    /**
     * A tiny OPT-like tokenizer: specials 0..3, the 256 byte symbols, and merges making "Ġcat" and "at".
     *
     * @param dir where to write
     * @return {@code dir}
     * @throws IOException if writing fails
     */
    public static Path write(Path dir) throws IOException {
        JsonObject vocab = new JsonObject();
        int id = 0;
        for (String s : List.of("<s>", "<pad>", "</s>", "<unk>")) {
            vocab.addProperty(s, id++);
        }
        for (String s : ByteLevelAlphabet.symbols()) {
            vocab.addProperty(s, id++);
        }
        for (String s : List.of("at", "Ġc", "Ġcat")) {
            vocab.addProperty(s, id++);
        }
        Files.writeString(dir.resolve("vocab.json"), vocab.toString(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na t\nĠ c\nĠc at\n", StandardCharsets.UTF_8);
        return dir;
    }
}
