package dev.seedj.llm.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a Hugging Face {@code tokenizer.json} for a GPT-2 style byte-level BPE from the {@code vocab.json} and
 * {@code merges.txt} that OPT checkpoints ship, the way {@code transformers}' {@code GPT2Converter} does: a
 * ByteLevel pre-tokenizer without prefix space, a BPE model without unknown token, a ByteLevel decoder, and the
 * special tokens of the vocabulary registered as added tokens.
 *
 * <p>Stateless and thread-safe.
 */
final class ByteLevelBpeJson {
    private ByteLevelBpeJson() {}

    /**
     * @param vocabJson {@code vocab.json}: token -> id
     * @param mergesTxt {@code merges.txt}: one merge "a b" per line after an optional {@code #version} line
     * @param specialTokens token texts to register as special (those present in the vocabulary)
     * @return the tokenizer.json object
     * @throws UncheckedIOException if a file cannot be read
     * @throws IllegalArgumentException if a file is malformed
     */
    static JsonObject build(Path vocabJson, Path mergesTxt, List<String> specialTokens) {
        JsonObject vocab;
        List<String> mergeLines;
        try {
            JsonElement v = JsonParser.parseString(Files.readString(vocabJson, StandardCharsets.UTF_8));
            if (!v.isJsonObject()) {
                throw new IllegalArgumentException(vocabJson + " is not a JSON object of token -> id");
            }
            vocab = v.getAsJsonObject();
            mergeLines = Files.readAllLines(mergesTxt, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the BPE vocabulary", e);
        }
        JsonArray merges = new JsonArray();
        for (String line : mergeLines) {
            if (line.startsWith("#version") || line.isBlank()) {
                continue;
            }
            if (line.split(" ").length != 2) {
                throw new IllegalArgumentException(mergesTxt + ": malformed merge line '" + line + "'");
            }
            merges.add(line);
        }
        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.add("dropout", JsonNull.INSTANCE);
        model.add("unk_token", JsonNull.INSTANCE);
        model.addProperty("continuing_subword_prefix", "");
        model.addProperty("end_of_word_suffix", "");
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        model.add("vocab", vocab);
        model.add("merges", merges);

        JsonArray added = new JsonArray();
        List<String> present = new ArrayList<>();
        for (String s : specialTokens) {
            if (vocab.has(s) && !present.contains(s)) {
                present.add(s);
                added.add(addedToken(vocab.get(s).getAsInt(), s));
            }
        }
        JsonObject out = new JsonObject();
        out.addProperty("version", "1.0");
        out.add("truncation", JsonNull.INSTANCE);
        out.add("padding", JsonNull.INSTANCE);
        out.add("added_tokens", added);
        out.add("normalizer", JsonNull.INSTANCE);
        out.add("pre_tokenizer", byteLevel(false, true));
        out.add("post_processor", byteLevel(true, false));
        out.add("decoder", byteLevel(true, true));
        out.add("model", model);
        return out;
    }

    /**
     * @param id the token id
     * @param content the token text
     * @return a special added-token entry, matched as a whole and never split
     */
    static JsonObject addedToken(int id, String content) {
        JsonObject t = new JsonObject();
        t.addProperty("id", id);
        t.addProperty("content", content);
        t.addProperty("single_word", false);
        t.addProperty("lstrip", false);
        t.addProperty("rstrip", false);
        t.addProperty("normalized", false);
        t.addProperty("special", true);
        return t;
    }

    private static JsonObject byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "ByteLevel");
        o.addProperty("add_prefix_space", addPrefixSpace);
        o.addProperty("trim_offsets", trimOffsets);
        o.addProperty("use_regex", true);
        return o;
    }

    /**
     * @param tokenizerJson a tokenizer.json object
     * @return the model vocabulary's ids by token text (without the added tokens)
     */
    static Map<String, Integer> modelVocab(JsonObject tokenizerJson) {
        Map<String, Integer> ids = new HashMap<>();
        JsonElement model = tokenizerJson.get("model");
        if (model != null && model.isJsonObject() && model.getAsJsonObject().has("vocab")
                && model.getAsJsonObject().get("vocab").isJsonObject()) {
            for (Map.Entry<String, JsonElement> e : model.getAsJsonObject().getAsJsonObject("vocab").entrySet()) {
                ids.put(e.getKey(), e.getValue().getAsInt());
            }
        }
        return ids;
    }

    /**
     * @param tokenizerJson a tokenizer.json object
     * @return every token id by text: the model vocabulary and the added tokens
     */
    static Map<String, Integer> tokenIds(JsonObject tokenizerJson) {
        Map<String, Integer> ids = modelVocab(tokenizerJson);
        for (SpecialToken t : addedTokens(tokenizerJson)) {
            ids.put(t.text(), t.id());
        }
        return ids;
    }

    /**
     * @param tokenizerJson a tokenizer.json object
     * @return its added tokens with their ids and whitespace flags
     * @throws IllegalArgumentException if an entry lacks its content or id
     */
    static List<SpecialToken> addedTokens(JsonObject tokenizerJson) {
        List<SpecialToken> out = new ArrayList<>();
        JsonElement added = tokenizerJson.get("added_tokens");
        if (added != null && added.isJsonArray()) {
            for (JsonElement t : added.getAsJsonArray()) {
                if (!t.isJsonObject() || !t.getAsJsonObject().has("content") || !t.getAsJsonObject().has("id")) {
                    throw new IllegalArgumentException("tokenizer.json: an added token needs \"id\" and \"content\": " + t);
                }
                JsonObject o = t.getAsJsonObject();
                out.add(new SpecialToken(o.get("content").getAsString(), o.get("id").getAsInt(), flag(o, "lstrip"),
                        flag(o, "rstrip")));
            }
        }
        return out;
    }

    private static boolean flag(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonPrimitive() && o.get(key).getAsBoolean();
    }

    /**
     * Registers the tokens the tokenizer does not know yet as special added tokens, with new ids after the largest.
     *
     * @param tokenizerJson a tokenizer.json object, changed in place
     * @param tokens token texts, in the order their ids are given
     * @return how many were added
     */
    static int addMissing(JsonObject tokenizerJson, List<String> tokens) {
        Map<String, Integer> known = tokenIds(tokenizerJson);
        int next = known.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        JsonElement addedElement = tokenizerJson.get("added_tokens");
        JsonArray added = addedElement != null && addedElement.isJsonArray() ? addedElement.getAsJsonArray() : new JsonArray();
        tokenizerJson.add("added_tokens", added);
        int count = 0;
        for (String t : tokens) {
            if (!known.containsKey(t)) {
                added.add(addedToken(next++, t));
                count++;
            }
        }
        return count;
    }
}
