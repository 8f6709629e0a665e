package dev.seedj.core.train;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The BERT WordPiece tokenizer of the Q-Former's text branch (stage-1 training), run by Hugging Face's
 * {@code tokenizers} library through DJL. Built from a {@code tokenizer.json} (as saved by
 * {@code BertTokenizerFast}) or from a BERT {@code vocab.txt}, for which the equivalent {@code tokenizer.json}
 * (BERT normalizer and pre-tokenizer, WordPiece with {@code ##} continuation and {@code [UNK]}) is written in
 * Java. Extra special tokens such as BLIP-2's {@code [DEC]} get the ids after the vocabulary, as
 * {@code tokenizer.add_special_tokens} gives them.
 *
 * <p>{@link #encode} gives {@code [CLS] wordpieces [SEP]} truncated and padded to a fixed length, exactly as
 * {@code tokenizer(texts, padding="max_length", truncation=True, max_length=L)} for single texts.
 *
 * <p>Thread-safe: the native tokenizer is immutable after construction; {@link #close()} must not race with
 * {@link #encode}.
 */
public final class BertWordPieceTokenizer implements AutoCloseable {
    private static final List<String> REQUIRED = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]");

    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Integer> vocab;
    private final long padId;
    private final long clsId;
    private final long sepId;

    private BertWordPieceTokenizer(String tokenizerJson, Map<String, Integer> vocab) {
        for (String t : REQUIRED) {
            if (!vocab.containsKey(t)) {
                throw new IllegalArgumentException("the BERT vocabulary lacks the special token " + t);
            }
        }
        this.vocab = Collections.unmodifiableMap(vocab);
        this.padId = vocab.get("[PAD]");
        this.clsId = vocab.get("[CLS]");
        this.sepId = vocab.get("[SEP]");
        Map<String, String> options = Map.of("addSpecialTokens", "false", "padding", "false", "truncation", "false");
        try {
            this.tokenizer = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(tokenizerJson.getBytes(StandardCharsets.UTF_8)), options);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("the tokenizers library rejected the tokenizer definition: "
                    + e.getMessage(), e);
        }
    }

    /**
     * @param tokenizerJson a Hugging Face {@code tokenizer.json} of a BERT WordPiece tokenizer
     * @return the tokenizer
     * @throws IllegalArgumentException if the file is unreadable, not a WordPiece tokenizer, or lacks
     *     {@code [PAD] [UNK] [CLS] [SEP]}
     */
    public static BertWordPieceTokenizer fromTokenizerJson(Path tokenizerJson) {
        String json = read(tokenizerJson);
        JsonObject root;
        try {
            root = JsonParser.parseString(json).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException(tokenizerJson + " is not a JSON object: " + e.getMessage(), e);
        }
        JsonObject model = root.has("model") && root.get("model").isJsonObject() ? root.getAsJsonObject("model")
                : null;
        if (model == null || !model.has("type") || !"WordPiece".equals(model.get("type").getAsString())
                || !model.has("vocab") || !model.get("vocab").isJsonObject()) {
            throw new IllegalArgumentException(tokenizerJson + " does not define a WordPiece model with a vocab");
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : model.getAsJsonObject("vocab").entrySet()) {
            vocab.put(e.getKey(), e.getValue().getAsInt());
        }
        if (root.has("added_tokens") && root.get("added_tokens").isJsonArray()) {
            for (JsonElement e : root.getAsJsonArray("added_tokens")) {
                JsonObject t = e.getAsJsonObject();
                vocab.put(t.get("content").getAsString(), t.get("id").getAsInt());
            }
        }
        return new BertWordPieceTokenizer(json, vocab);
    }

    /**
     * @param vocabTxt a BERT {@code vocab.txt}: one token per line, the line number (from 0) is its id
     * @param lowercase true for uncased models ({@code bert-base-uncased}, as BLIP-2 and SEED use): lower-cases and
     *     strips accents
     * @param extraSpecialTokens tokens added after the vocabulary, e.g. {@code [DEC]}
     * @return the tokenizer
     * @throws IllegalArgumentException if the file is unreadable, has an empty or repeated token, or lacks
     *     {@code [PAD] [UNK] [CLS] [SEP]}
     */
    public static BertWordPieceTokenizer fromVocab(Path vocabTxt, boolean lowercase, List<String> extraSpecialTokens) {
        String[] lines = read(vocabTxt).split("\r?\n", -1);
        int count = lines.length > 0 && lines[lines.length - 1].isEmpty() ? lines.length - 1 : lines.length;
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String token = lines[i];
            if (token.isEmpty()) {
                throw new IllegalArgumentException(vocabTxt + " line " + (i + 1) + " is empty");
            }
            Integer previous = vocab.putIfAbsent(token, i);
            if (previous != null) {
                throw new IllegalArgumentException(vocabTxt + " line " + (i + 1) + ": token '" + token
                        + "' already appeared on line " + (previous + 1));
            }
        }
        List<String> specials = new ArrayList<>();
        for (String t : List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")) {
            if (vocab.containsKey(t)) {
                specials.add(t);
            }
        }
        Map<String, Integer> full = new LinkedHashMap<>(vocab);
        for (String extra : extraSpecialTokens) {
            if (full.containsKey(extra)) {
                throw new IllegalArgumentException("extra special token " + extra + " is already in " + vocabTxt);
            }
            full.put(extra, full.size());
            specials.add(extra);
        }
        return new BertWordPieceTokenizer(tokenizerJson(vocab, full, specials, lowercase).toString(), full);
    }

    /**
     * Tokenizes texts to {@code maxLength} tokens each: {@code [CLS]}, the word pieces (truncated to
     * {@code maxLength - 2}), {@code [SEP]}, then {@code [PAD]}.
     *
     * @param texts the batch
     * @param maxLength tokens per text including {@code [CLS]} and {@code [SEP]}, &ge; 2
     * @return ids and attention mask, [B][maxLength]
     */
    public TokenizedText encode(List<String> texts, int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("max length must be >= 2 ([CLS] and [SEP]), got " + maxLength);
        }
        long[][] ids = new long[texts.size()][maxLength];
        long[][] mask = new long[texts.size()][maxLength];
        Encoding[] encodings = tokenizer.batchEncode(texts, false, false);
        for (int b = 0; b < texts.size(); b++) {
            long[] pieces = encodings[b].getIds();
            int n = Math.min(pieces.length, maxLength - 2);
            Arrays.fill(ids[b], padId);
            ids[b][0] = clsId;
            System.arraycopy(pieces, 0, ids[b], 1, n);
            ids[b][n + 1] = sepId;
            Arrays.fill(mask[b], 0, n + 2, 1L);
        }
        return new TokenizedText(ids, mask);
    }

    /**
     * @param token a vocabulary or added token, e.g. {@code [DEC]}
     * @return its id
     * @throws IllegalArgumentException if unknown
     */
    public long tokenId(String token) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new IllegalArgumentException("token '" + token + "' is not in the vocabulary");
        }
        return id;
    }

    /** @return the number of ids, vocabulary plus added tokens (the embedding rows the model needs) */
    public int vocabSize() {
        return vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    }

    /** Frees the native tokenizer. */
    @Override
    public void close() {
        tokenizer.close();
    }

    private static JsonObject tokenizerJson(Map<String, Integer> vocab, Map<String, Integer> full,
            List<String> specials, boolean lowercase) {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", null);
        root.add("padding", null);
        JsonArray added = new JsonArray();
        for (String t : specials) {
            JsonObject o = new JsonObject();
            o.addProperty("id", full.get(t));
            o.addProperty("content", t);
            o.addProperty("single_word", false);
            o.addProperty("lstrip", false);
            o.addProperty("rstrip", false);
            o.addProperty("normalized", false);
            o.addProperty("special", true);
            added.add(o);
        }
        root.add("added_tokens", added);
        JsonObject normalizer = new JsonObject();
        normalizer.addProperty("type", "BertNormalizer");
        normalizer.addProperty("clean_text", true);
        normalizer.addProperty("handle_chinese_chars", true);
        normalizer.add("strip_accents", null);
        normalizer.addProperty("lowercase", lowercase);
        root.add("normalizer", normalizer);
        JsonObject preTokenizer = new JsonObject();
        preTokenizer.addProperty("type", "BertPreTokenizer");
        root.add("pre_tokenizer", preTokenizer);
        root.add("post_processor", null);
        JsonObject decoder = new JsonObject();
        decoder.addProperty("type", "WordPiece");
        decoder.addProperty("prefix", "##");
        decoder.addProperty("cleanup", true);
        root.add("decoder", decoder);
        JsonObject model = new JsonObject();
        model.addProperty("type", "WordPiece");
        model.addProperty("unk_token", "[UNK]");
        model.addProperty("continuing_subword_prefix", "##");
        model.addProperty("max_input_chars_per_word", 100);
        JsonObject v = new JsonObject();
        vocab.forEach(v::addProperty);
        model.add("vocab", v);
        root.add("model", model);
        return root;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
