package dev.seedj.examples.mini;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.seedj.examples.shapes.Background;
import dev.seedj.examples.shapes.ShapeColour;
import dev.seedj.examples.shapes.ShapeKind;
import dev.seedj.examples.shapes.ShapeSize;
import dev.seedj.llm.text.ByteLevelAlphabet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The text side of the shapes-64 world: its words, and the two tiny tokenizers SEED-mini trains with, generated
 * from them rather than learnt:
 * <ul>
 *   <li>a BERT WordPiece {@code vocab.txt} (the stage-1 Q-Former's text branch): the five BERT specials, then
 *       one entry per word;</li>
 *   <li>an OPT/GPT-2 byte-level BPE ({@code vocab.json} + {@code merges.txt}): OPT's four specials
 *       ({@code <s>} 0, {@code <pad>} 1, {@code </s>} 2, {@code <unk>} 3), the 256 byte symbols of GPT-2's
 *       byte-to-unicode table (so any text can be encoded), then, for every word with its leading space
 *       ({@code Ġ}), and for the words that begin a text without it, the left-to-right chain of merges that makes
 *       it one token.</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class MiniWorldText {
    /** The instruction the LoRA adapter learns to answer. */
    public static final String COLOUR_QUESTION = "what colour is the shape?";
    /** Words that begin a text (a caption, the answer template's lines) and so also appear without a space. */
    private static final List<String> TEXT_STARTS = List.of("a", "Question", "Answer");

    private MiniWorldText() {}

    /** @return every word of the captions and of the colour question, in a fixed order */
    public static List<String> words() {
        Set<String> words = new LinkedHashSet<>(List.of("a", "on", "background"));
        for (ShapeSize s : ShapeSize.values()) {
            words.add(s.word());
        }
        for (ShapeColour c : ShapeColour.values()) {
            words.add(c.word());
        }
        for (ShapeKind k : ShapeKind.values()) {
            words.add(k.word());
        }
        for (Background b : Background.values()) {
            words.add(b.word());
        }
        words.addAll(List.of("what", "colour", "is", "the", "shape", "Question", "Answer"));
        return List.copyOf(words);
    }

    /**
     * Writes the WordPiece vocabulary of the stage-1 text branch.
     *
     * @param file the {@code vocab.txt} to write
     * @throws IOException if it cannot be written
     */
    public static void writeBertVocab(Path file) throws IOException {
        List<String> lines = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "?", ":"));
        for (String w : words()) {
            String lower = w.toLowerCase(java.util.Locale.ROOT);
            if (!lines.contains(lower)) {
                lines.add(lower);
            }
        }
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    /**
     * Writes {@code vocab.json} and {@code merges.txt} of the byte-level BPE into a folder.
     *
     * @param dir the folder (created if needed)
     * @throws IOException if the files cannot be written
     */
    public static void writeByteLevelBpe(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String special : List.of("<s>", "<pad>", "</s>", "<unk>")) {
            vocab.put(special, vocab.size());
        }
        String[] byteSymbols = ByteLevelAlphabet.symbols().toArray(new String[0]);
        for (String symbol : byteSymbols) {
            vocab.putIfAbsent(symbol, vocab.size());
        }
        Set<String> merges = new LinkedHashSet<>();
        for (String word : words()) {
            addChain(" " + word, byteSymbols, merges, vocab);
        }
        for (String word : TEXT_STARTS) {
            addChain(word, byteSymbols, merges, vocab);
        }
        JsonObject json = new JsonObject();
        vocab.forEach(json::addProperty);
        Files.writeString(dir.resolve("vocab.json"), new GsonBuilder().create().toJson(json), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n",
                StandardCharsets.UTF_8);
    }

    /**
     * Adds the merges that join {@code form} into one token, left to right. Merges are ranked in the order added:
     * every space-prefixed chain comes first, so in a space-prefixed word only its own chain can apply (no other
     * merge has a left symbol starting with the space symbol), and the few words that start a text come after.
     */
    private static void addChain(String form, String[] byteSymbols, Set<String> merges, Map<String, Integer> vocab) {
        String symbols = toSymbols(form, byteSymbols);
        String current = symbols.substring(0, 1);
        for (int i = 1; i < symbols.length(); i++) {
            String next = symbols.substring(i, i + 1);
            merges.add(current + " " + next);
            current = current + next;
            vocab.putIfAbsent(current, vocab.size());
        }
    }

    private static String toSymbols(String text, String[] byteSymbols) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            out.append(byteSymbols[b & 0xff]);
        }
        return out.toString();
    }

    /** GPT-2's {@code bytes_to_unicode}: printable bytes map to themselves, the others to code points from 256. */
}
