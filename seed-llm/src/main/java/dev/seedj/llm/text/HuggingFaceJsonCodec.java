package dev.seedj.llm.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tokenizer described by a Hugging Face {@code tokenizer.json}, or by a GPT-2 style {@code vocab.json} +
 * {@code merges.txt} (OPT, GPT-2; the tokenizer.json is then assembled in memory by {@link ByteLevelBpeJson}),
 * run by {@code ai.djl.huggingface:tokenizers}.
 *
 * <p>Two Rust tokenizers are built from the same JSON: one without any added token encodes plain chunks (so a
 * special string in user text is ordinary text there, as tiktoken's {@code encode_ordinary} / GPT-2's
 * {@code disallowed_special=()} treat it), one with every added, special and image token decodes (as Hugging
 * Face decodes; skipping special tokens drops the image tokens too, which are registered as special).
 *
 * <p>Thread-safe: the Rust tokenizers are immutable; {@link #close()} must not race with use.
 */
final class HuggingFaceJsonCodec implements TextCodec {
    private static final Logger LOG = LoggerFactory.getLogger(HuggingFaceJsonCodec.class);
    /** Special tokens registered when present in a vocab.json: OPT's, then GPT-2's. */
    private static final List<String> KNOWN_SPECIALS = List.of("<s>", "<pad>", "</s>", "<unk>", "<|endoftext|>");
    /** The BOS/EOS fallback when special_tokens_map.json does not name one: OPT's {@code </s>}, GPT-2's, LLaMA's. */
    private static final List<String> SEQUENCE_TOKENS = List.of("</s>", "<|endoftext|>", "<s>");
    private static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer plain;
    private final HuggingFaceTokenizer full;
    private final Map<String, Integer> vocab;

    private HuggingFaceJsonCodec(JsonObject json) {
        this.vocab = Map.copyOf(ByteLevelBpeJson.modelVocab(json));
        JsonObject withoutAdded = json.deepCopy();
        withoutAdded.add("added_tokens", new JsonArray());
        this.plain = instance(withoutAdded);
        try {
            this.full = instance(json);
        } catch (RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    private static HuggingFaceTokenizer instance(JsonObject json) {
        try {
            return HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(json.toString().getBytes(StandardCharsets.UTF_8)), OPTIONS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the text tokenizer", e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the Hugging Face tokenizer rejects the tokenizer JSON: " + e.getMessage(), e);
        }
    }

    /**
     * @param dir holds {@code tokenizer.json}, or {@code vocab.json} and {@code merges.txt} (plus optionally
     *     {@code special_tokens_map.json})
     * @param imageTokens SEED's image token strings; those the tokenizer lacks get new ids after the largest
     * @return the codec and its special tokens
     * @throws UncheckedIOException if the files are missing or unreadable
     * @throws IllegalArgumentException if they are malformed
     */
    static TokenizerParts load(Path dir, List<String> imageTokens) {
        JsonObject specialsMap = TokenizerFiles.readObject(dir.resolve("special_tokens_map.json"));
        JsonObject json;
        Path tokenizerJson = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(tokenizerJson)) {
            try {
                JsonElement root = JsonParser.parseString(Files.readString(tokenizerJson, StandardCharsets.UTF_8));
                if (!root.isJsonObject()) {
                    throw new IllegalArgumentException(tokenizerJson + " is not a JSON object");
                }
                json = root.getAsJsonObject();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + tokenizerJson, e);
            } catch (JsonParseException e) {
                throw new IllegalArgumentException(tokenizerJson + " is not valid JSON: " + e.getMessage(), e);
            }
        } else {
            Path vocabFile = dir.resolve("vocab.json");
            Path merges = dir.resolve("merges.txt");
            if (!Files.isRegularFile(vocabFile) || !Files.isRegularFile(merges)) {
                throw new UncheckedIOException(new IOException(dir
                        + " has no text tokenizer: neither tokenizer.model, tokenizer.json nor vocab.json + merges.txt"));
            }
            List<String> specials = new ArrayList<>(KNOWN_SPECIALS);
            specials.addAll(mapTokens(specialsMap));
            json = ByteLevelBpeJson.build(vocabFile, merges, specials);
        }
        int appended = ByteLevelBpeJson.addMissing(json, imageTokens);
        Map<String, Integer> ids = ByteLevelBpeJson.tokenIds(json);
        List<SpecialToken> specials = ByteLevelBpeJson.addedTokens(json);
        int size = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        int bos = sequenceToken(specialsMap, "bos_token", ids);
        int eos = sequenceToken(specialsMap, "eos_token", ids);
        if (appended > 0) {
            LOG.info("added {} image tokens to the text tokenizer of {} (ids up to {})", appended, dir, size - 1);
        }
        return new TokenizerParts(new HuggingFaceJsonCodec(json), specials, bos, eos, size);
    }

    private static int sequenceToken(JsonObject map, String key, Map<String, Integer> ids) {
        String named = map == null ? null : tokenText(map.get(key));
        if (named != null) {
            Integer id = ids.get(named);
            if (id == null) {
                throw new IllegalArgumentException("special_tokens_map.json names " + key + " '" + named
                        + "', which the vocabulary does not have");
            }
            return id;
        }
        for (String t : SEQUENCE_TOKENS) {
            if (ids.containsKey(t)) {
                return ids.get(t);
            }
        }
        return -1;
    }

    /** Every token string special_tokens_map.json names. */
    private static List<String> mapTokens(JsonObject map) {
        List<String> out = new ArrayList<>();
        if (map == null) {
            return out;
        }
        for (Map.Entry<String, JsonElement> e : map.entrySet()) {
            if (e.getValue().isJsonArray()) {
                e.getValue().getAsJsonArray().forEach(t -> addIfText(out, t));
            } else {
                addIfText(out, e.getValue());
            }
        }
        return out;
    }

    private static void addIfText(List<String> out, JsonElement e) {
        String t = tokenText(e);
        if (t != null) {
            out.add(t);
        }
    }

    /** A token given as a string or as an object with "content". */
    private static String tokenText(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive()) {
            return e.getAsString();
        }
        if (e.isJsonObject() && e.getAsJsonObject().has("content")) {
            return e.getAsJsonObject().get("content").getAsString();
        }
        return null;
    }

    @Override
    public long[] encodePlain(String chunk) {
        return plain.encode(chunk, false, false).getIds();
    }

    @Override
    public String decode(long[] ids, boolean skipSpecialTokens) {
        return full.decode(ids, skipSpecialTokens);
    }

    @Override
    public int pieceId(String token) {
        Integer id = vocab.get(token);
        return id == null ? -1 : id;
    }

    @Override
    public void close() {
        plain.close();
        full.close();
    }
}
