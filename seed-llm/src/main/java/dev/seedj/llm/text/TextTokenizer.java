package dev.seedj.llm.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.seedj.llm.Vocabulary;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OPT's text tokenizer (GPT-2 byte-level BPE) through {@code ai.djl.huggingface:tokenizers}, with the SEED
 * image tokens registered as special tokens so that {@code <img_01234>}, {@code <img>} and {@code </img>} are
 * always one id each, whatever text surrounds them.
 *
 * <p>Built from a model directory's {@code tokenizer.json}, or, as OPT checkpoints ship it, from
 * {@code vocab.json} + {@code merges.txt} (the tokenizer.json is then assembled in memory). Image tokens the
 * tokenizer does not know yet get new ids after the largest one, in SEED-OPT's order: {@code <img_00000>} ...
 * then {@code <img>}, {@code </img>}.
 *
 * <p>{@link #encode} adds no special token; callers put the BOS token ({@link #bosId()}) in front themselves,
 * as SEED's prompts do.
 *
 * <p>Thread-safe: the underlying Rust tokenizer is immutable; {@link #close()} must not race with use.
 */
public final class TextTokenizer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TextTokenizer.class);
    /** The special tokens of OPT's vocabulary. */
    private static final List<String> OPT_SPECIALS = List.of("<s>", "<pad>", "</s>", "<unk>");

    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Integer> ids;
    private final Set<String> addedTokens;
    private final Vocabulary imageVocabulary;
    private final int size;
    private final int bosId;

    private TextTokenizer(JsonObject json, int numImageCodes, String bosToken) {
        int added = addImageTokens(json, numImageCodes);
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        try {
            this.tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes),
                    Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the text tokenizer", e);
        }
        try {
            this.ids = ByteLevelBpeJson.tokenIds(json);
            this.addedTokens = ByteLevelBpeJson.addedTokens(json);
            // added tokens get the ids the Rust tokenizer gives them, which is what encode() returns
            this.imageVocabulary = Vocabulary.lookup(numImageCodes, imageTokenIds(numImageCodes)::get);
            this.bosId = singleId(bosToken);
            int maxModelId = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
            this.size = Math.max(maxModelId, imageVocabulary.maxId()) + 1;
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        if (added > 0) {
            LOG.info("added {} image tokens to the text tokenizer (ids up to {})", added, size - 1);
        }
    }

    private Map<String, Integer> imageTokenIds(int numImageCodes) {
        List<String> tokens = imageTokens(numImageCodes);
        Encoding[] encoded = tokenizer.batchEncode(tokens.toArray(String[]::new), false, false);
        Map<String, Integer> out = new HashMap<>();
        for (int i = 0; i < encoded.length; i++) {
            long[] one = encoded[i].getIds();
            if (one.length != 1) {
                throw new IllegalArgumentException("the tokenizer does not treat '" + tokens.get(i) + "' as one token");
            }
            out.put(tokens.get(i), Math.toIntExact(one[0]));
        }
        return out;
    }

    private static List<String> imageTokens(int numImageCodes) {
        List<String> tokens = new ArrayList<>();
        for (int code = 0; code < numImageCodes; code++) {
            tokens.add(Vocabulary.imageToken(code));
        }
        tokens.add(Vocabulary.BOI);
        tokens.add(Vocabulary.EOI);
        return tokens;
    }

    private int singleId(String token) {
        long[] encoded = tokenizer.encode(token, false, false).getIds();
        if (encoded.length != 1) {
            throw new IllegalArgumentException("the tokenizer does not treat '" + token + "' as one token");
        }
        return Math.toIntExact(encoded[0]);
    }

    /**
     * Loads the tokenizer of a model directory with SEED's 8192 image codes.
     *
     * @param dir holds {@code tokenizer.json}, or {@code vocab.json} and {@code merges.txt}
     * @return the tokenizer
     */
    public static TextTokenizer load(Path dir) {
        return load(dir, 8192);
    }

    /**
     * Loads the tokenizer of a model directory.
     *
     * @param dir holds {@code tokenizer.json}, or {@code vocab.json} and {@code merges.txt} (plus optionally
     *     {@code special_tokens_map.json} naming the BOS token; OPT's is {@code </s>})
     * @param numImageCodes the image codebook size
     * @return the tokenizer
     * @throws UncheckedIOException if the files are missing or unreadable
     * @throws IllegalArgumentException if they are malformed
     */
    public static TextTokenizer load(Path dir, int numImageCodes) {
        String bos = bosToken(dir);
        Path tokenizerJson = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(tokenizerJson)) {
            try {
                JsonElement json = JsonParser.parseString(Files.readString(tokenizerJson, StandardCharsets.UTF_8));
                return new TextTokenizer(json.getAsJsonObject(), numImageCodes, bos);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + tokenizerJson, e);
            }
        }
        Path vocab = dir.resolve("vocab.json");
        Path merges = dir.resolve("merges.txt");
        if (!Files.isRegularFile(vocab) || !Files.isRegularFile(merges)) {
            throw new UncheckedIOException(new IOException(dir + " has neither tokenizer.json nor vocab.json + merges.txt"));
        }
        List<String> specials = new ArrayList<>(OPT_SPECIALS);
        specials.add(bos);
        return new TextTokenizer(ByteLevelBpeJson.build(vocab, merges, specials), numImageCodes, bos);
    }

    private static String bosToken(Path dir) {
        Path map = dir.resolve("special_tokens_map.json");
        if (Files.isRegularFile(map)) {
            try {
                JsonObject o = JsonParser.parseString(Files.readString(map, StandardCharsets.UTF_8)).getAsJsonObject();
                JsonElement bos = o.get("bos_token");
                if (bos != null && bos.isJsonPrimitive()) {
                    return bos.getAsString();
                }
                if (bos != null && bos.isJsonObject() && bos.getAsJsonObject().has("content")) {
                    return bos.getAsJsonObject().get("content").getAsString();
                }
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("cannot read " + map + ": " + e.getMessage(), e);
            }
        }
        return "</s>";
    }

    private static int addImageTokens(JsonObject json, int numImageCodes) {
        Map<String, Integer> known = ByteLevelBpeJson.tokenIds(json);
        int next = known.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        JsonElement addedElement = json.get("added_tokens");
        JsonArray added = addedElement != null && addedElement.isJsonArray() ? addedElement.getAsJsonArray() : new JsonArray();
        json.add("added_tokens", added);
        int count = 0;
        for (String t : imageTokens(numImageCodes)) {
            if (!known.containsKey(t)) {
                added.add(ByteLevelBpeJson.addedToken(next++, t));
                count++;
            }
        }
        return count;
    }

    /**
     * @param text any text; image tokens in it become single ids
     * @return token ids, without BOS or any other added special token
     */
    public long[] encode(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    /**
     * @param ids token ids
     * @param skipSpecialTokens drop special tokens (BOS/EOS/padding and the image tokens)
     * @return the text
     */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    /**
     * @param token a token text, e.g. {@code </s>}
     * @return its id, or -1 if the tokenizer does not know it
     */
    public int tokenId(String token) {
        if (!ids.containsKey(token)) {
            return -1;
        }
        return addedTokens.contains(token) ? singleId(token) : ids.get(token);
    }

    /** @return the largest id plus one: the embedding rows a model needs for this tokenizer */
    public int size() {
        return size;
    }

    /** @return the BOS token id ({@code </s>} = 2 for OPT) */
    public int bosId() {
        return bosId;
    }

    /** @return the image tokens' ids */
    public Vocabulary imageVocabulary() {
        return imageVocabulary;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
