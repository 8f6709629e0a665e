package dev.seedj.llm.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LLaMA's tokenizer as transformers 4.30.2's slow {@code LlamaTokenizer} runs it, from {@code tokenizer.model}
 * (sentencepiece BPE with byte fallback) plus the optional {@code added_tokens.json},
 * {@code special_tokens_map.json} and {@code tokenizer_config.json}.
 *
 * <p>Encoding: each plain chunk goes through Hugging Face tokenizers' BPE on the converted model
 * ({@link SentencePieceBpeJson}), which gives sentencepiece's segmentation with its {@code ▁} dummy prefix. Added
 * tokens and special tokens are split off by {@link TextTokenizer} with the slow tokenizer's whitespace rules:
 * tokens of {@code added_tokens.json} (such as SEED's image tokens) strip the whitespace on both sides;
 * {@code <s>}, {@code </s>}, {@code <unk>} and the padding token strip none (unless their files say
 * otherwise). Each chunk between them is encoded separately with its own dummy prefix (the "legacy" behaviour of
 * transformers before 4.31).
 *
 * <p>Decoding follows {@code PreTrainedTokenizer._decode} and {@code LlamaTokenizer.convert_tokens_to_string}
 * of 4.30.2 with sentencepiece 0.1.97's {@code DecodePieces}: added tokens are separate sub-texts joined with
 * single spaces; special tokens are written as their strings (a space before one that follows ordinary text);
 * runs of ordinary pieces decode as sentencepiece does ({@code ▁} to space, the first leading space dropped,
 * {@code <0xXX>} bytes joined into UTF-8 with U+FFFD for each invalid byte). Skipping special tokens drops
 * {@code <s>}, {@code </s>}, {@code <unk>}, padding and additional special tokens, but not the added image tokens
 * (they are not special to the slow tokenizer).
 *
 * <p>Thread-safe: the Rust tokenizer is immutable and the rest is read-only; {@link #close()} must not race with
 * use.
 */
final class SentencePieceCodec implements TextCodec {
    private static final Logger LOG = LoggerFactory.getLogger(SentencePieceCodec.class);
    /** The special-token attributes in the order transformers registers them. */
    private static final List<String> ATTRIBUTES =
            List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");
    /** The attributes LlamaTokenizer wraps as AddedToken(lstrip=False, rstrip=False) when given as strings. */
    private static final Set<String> WRAPPED = Set.of("bos_token", "eos_token", "unk_token", "pad_token");
    /** LlamaTokenizer's defaults. */
    private static final Map<String, String> DEFAULTS = Map.of("bos_token", "<s>", "eos_token", "</s>", "unk_token", "<unk>");

    private final HuggingFaceTokenizer plain;
    private final SentencePieceModel model;
    private final Map<Integer, String> added;
    private final Set<Integer> specialIds;
    private final Set<String> specialStrings;
    private final boolean cleanUpSpaces;

    private SentencePieceCodec(SentencePieceModel model, Map<Integer, String> added, Set<Integer> specialIds,
            Set<String> specialStrings, boolean cleanUpSpaces) {
        byte[] json = SentencePieceBpeJson.convert(model).toString().getBytes(StandardCharsets.UTF_8);
        try {
            this.plain = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json),
                    Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the sentencepiece tokenizer", e);
        }
        this.model = model;
        this.added = Map.copyOf(added);
        this.specialIds = Set.copyOf(specialIds);
        this.specialStrings = Set.copyOf(specialStrings);
        this.cleanUpSpaces = cleanUpSpaces;
    }

    /** A special-token setting: its string and strip flags. */
    private record Special(String text, boolean lstrip, boolean rstrip) {}

    /**
     * Loads the tokenizer files of a LLaMA-family model directory.
     *
     * @param dir holds {@code tokenizer.model} and optionally the three JSON files
     * @param imageTokens SEED's image token strings; those the files lack get new ids after the largest
     * @return the codec and its special tokens
     * @throws UncheckedIOException if a file cannot be read
     * @throws IllegalArgumentException naming the file if one is malformed
     */
    static TokenizerParts load(Path dir, List<String> imageTokens) {
        SentencePieceModel model = SentencePieceModel.read(dir.resolve("tokenizer.model"));
        int textVocab = model.pieces().size();
        Map<String, Integer> addedIds = readAddedTokens(dir.resolve("added_tokens.json"), model);
        JsonObject config = TokenizerFiles.readObject(dir.resolve("tokenizer_config.json"));
        Map<String, String> byAttribute = new HashMap<>();
        List<Special> specials = readSpecials(dir, config, byAttribute);
        // transformers' sanitize_special_tokens: a special token in neither vocabulary becomes an added token
        for (Special s : specials) {
            if (!addedIds.containsKey(s.text()) && model.id(s.text()) < 0 && !s.text().equals(byAttribute.get("unk_token"))) {
                addedIds.put(s.text(), textVocab + addedIds.size());
            }
        }
        int appended = 0;
        for (String image : imageTokens) {
            if (!addedIds.containsKey(image) && model.id(image) < 0) {
                addedIds.put(image, textVocab + addedIds.size());
                appended++;
            }
        }
        if (appended > 0) {
            LOG.info("added {} image tokens to the text tokenizer of {} (ids up to {})", appended, dir,
                    textVocab + addedIds.size() - 1);
        }
        // the string -> token table with the whitespace rules: specials as configured, plain added tokens strip
        Map<String, SpecialToken> tokens = new LinkedHashMap<>();
        for (Special s : specials) {
            int id = addedIds.containsKey(s.text()) ? addedIds.get(s.text()) : model.id(s.text());
            tokens.putIfAbsent(s.text(), new SpecialToken(s.text(), id < 0 ? model.unkId() : id, s.lstrip(), s.rstrip()));
        }
        addedIds.forEach((text, id) -> tokens.putIfAbsent(text, new SpecialToken(text, id, true, true)));
        Map<Integer, String> addedById = new HashMap<>();
        addedIds.forEach((text, id) -> addedById.put(id, text));
        Set<Integer> specialIds = new HashSet<>();
        Set<String> specialStrings = new HashSet<>();
        for (Special s : specials) {
            specialIds.add(tokens.get(s.text()).id());
            specialStrings.add(s.text());
        }
        boolean cleanUp = config != null && flag(config, "clean_up_tokenization_spaces");
        SentencePieceCodec codec = new SentencePieceCodec(model, addedById, specialIds, specialStrings, cleanUp);
        String bos = byAttribute.get("bos_token");
        String eos = byAttribute.get("eos_token");
        return new TokenizerParts(codec, List.copyOf(tokens.values()),
                bos == null ? -1 : tokens.get(bos).id(), eos == null ? -1 : tokens.get(eos).id(),
                textVocab + addedIds.size());
    }

    /** added_tokens.json: as the slow tokenizer requires, its ids continue the sentencepiece vocabulary. */
    private static Map<String, Integer> readAddedTokens(Path file, SentencePieceModel model) {
        Map<String, Integer> added = new LinkedHashMap<>();
        JsonObject json = TokenizerFiles.readObject(file);
        if (json == null) {
            return added;
        }
        List<Map.Entry<String, Integer>> entries = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : json.entrySet()) {
            entries.add(Map.entry(e.getKey(), intValue(file, e.getKey(), e.getValue())));
        }
        entries.sort(Map.Entry.comparingByValue());
        int textVocab = model.pieces().size();
        for (Map.Entry<String, Integer> e : entries) {
            int expected = textVocab + added.size();
            if (e.getValue() != expected) {
                throw new IllegalArgumentException(file + ": token '" + e.getKey() + "' has id " + e.getValue()
                        + " but added tokens must continue the " + textVocab + "-piece sentencepiece vocabulary"
                        + " without gaps (expected " + expected + ")");
            }
            if (model.id(e.getKey()) >= 0) {
                throw new IllegalArgumentException(file + ": token '" + e.getKey()
                        + "' is already sentencepiece piece " + model.id(e.getKey()));
            }
            added.put(e.getKey(), e.getValue());
        }
        return added;
    }

    /**
     * The special tokens in transformers' order (bos, eos, unk, sep, pad, cls, mask, additional):
     * special_tokens_map.json over tokenizer_config.json over LlamaTokenizer's defaults.
     *
     * @param byAttribute filled with each attribute's token text
     */
    private static List<Special> readSpecials(Path dir, JsonObject config, Map<String, String> byAttribute) {
        Path mapFile = dir.resolve("special_tokens_map.json");
        Path configFile = dir.resolve("tokenizer_config.json");
        JsonObject map = TokenizerFiles.readObject(mapFile);
        List<Special> specials = new ArrayList<>();
        for (String attribute : ATTRIBUTES) {
            boolean inMap = map != null && map.has(attribute);
            JsonElement value = inMap ? map.get(attribute) : config != null ? config.get(attribute) : null;
            Special s = value != null ? special(value, WRAPPED.contains(attribute), inMap ? mapFile : configFile)
                    : DEFAULTS.containsKey(attribute) ? new Special(DEFAULTS.get(attribute), false, false) : null;
            if (s != null) {
                specials.add(s);
                byAttribute.put(attribute, s.text());
            }
        }
        boolean inMap = map != null && map.has("additional_special_tokens");
        JsonElement additional = inMap ? map.get("additional_special_tokens")
                : config != null ? config.get("additional_special_tokens") : null;
        if (additional != null && additional.isJsonArray()) {
            for (JsonElement e : additional.getAsJsonArray()) {
                Special s = special(e, false, inMap ? mapFile : configFile);
                if (s != null) {
                    specials.add(s);
                }
            }
        }
        return specials;
    }

    /** A special token given as a string or as an AddedToken dict ({@code content}, {@code lstrip}, {@code rstrip}). */
    private static Special special(JsonElement value, boolean wrapped, Path file) {
        if (value.isJsonNull()) {
            return null;
        }
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
            // a plain string strips both sides in the slow tokenizer, unless LlamaTokenizer wraps it
            return new Special(value.getAsString(), !wrapped, !wrapped);
        }
        if (value.isJsonObject() && value.getAsJsonObject().has("content")) {
            JsonObject o = value.getAsJsonObject();
            return new Special(o.get("content").getAsString(), flag(o, "lstrip"), flag(o, "rstrip"));
        }
        throw new IllegalArgumentException(file + ": a special token must be a string or an object with \"content\","
                + " got " + value);
    }

    private static boolean flag(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonPrimitive() && o.get(key).getAsBoolean();
    }

    private static int intValue(Path file, String key, JsonElement v) {
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException(file + ": the id of '" + key + "' is not an integer: " + v);
        }
        try {
            return v.getAsBigDecimal().intValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(file + ": the id of '" + key + "' is not an integer: " + v, e);
        }
    }

    @Override
    public long[] encodePlain(String chunk) {
        return plain.encode(chunk, false, false).getIds();
    }

    @Override
    public int pieceId(String token) {
        return model.id(token);
    }

    @Override
    public String decode(long[] ids, boolean skipSpecialTokens) {
        // PreTrainedTokenizer._decode: added tokens are sub-texts of their own, the rest goes through
        // convert_tokens_to_string; sub-texts are joined with spaces (spaces_between_special_tokens)
        List<String> subTexts = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        for (long id : ids) {
            int i = (int) id;
            if (skipSpecialTokens && specialIds.contains(i)) {
                continue;
            }
            String addedToken = added.get(i);
            if (addedToken != null) {
                if (!current.isEmpty()) {
                    subTexts.add(tokensToString(current));
                    current.clear();
                }
                subTexts.add(addedToken);
            } else {
                current.add(i);
            }
        }
        if (!current.isEmpty()) {
            subTexts.add(tokensToString(current));
        }
        String text = String.join(" ", subTexts);
        return cleanUpSpaces ? cleanUp(text) : text;
    }

    /** LlamaTokenizer.convert_tokens_to_string of 4.30.2: special tokens verbatim, the rest by sentencepiece. */
    private String tokensToString(List<Integer> ids) {
        StringBuilder out = new StringBuilder();
        List<Integer> pieces = new ArrayList<>();
        boolean previousSpecial = false;
        for (int i = 0; i < ids.size(); i++) {
            String token = tokenText(ids.get(i));
            if (specialStrings.contains(token)) {
                if (!previousSpecial && i != 0) {
                    out.append(' ');
                }
                out.append(decodePieces(pieces)).append(token);
                previousSpecial = true;
                pieces.clear();
            } else {
                pieces.add(ids.get(i));
                previousSpecial = false;
            }
        }
        return out.append(decodePieces(pieces)).toString();
    }

    private String tokenText(int id) {
        String addedToken = added.get(id);
        return addedToken != null ? addedToken : model.pieces().get(id).piece();
    }

    /** sentencepiece 0.1.97's DecodePieces. */
    String decodePieces(List<Integer> ids) {
        StringBuilder text = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean atStart = true; // whether a leading dummy-prefix space may still be dropped
        boolean spaceDropped = false;
        for (int id : ids) {
            SentencePieceModel.Piece p = model.pieces().get(id);
            if (p.type() == SentencePieceModel.PieceType.BYTE) {
                bytes.write(model.byteOf(id));
                continue;
            }
            appendBytes(bytes.toByteArray(), text);
            bytes.reset();
            if (spaceDropped || text.length() > 0) {
                atStart = false;
            }
            spaceDropped = false;
            switch (p.type()) {
                case CONTROL -> { } // invisible
                case UNKNOWN -> text.append(model.unkSurface());
                default -> {
                    String piece = p.piece();
                    if (atStart && model.addDummyPrefix() && piece.startsWith(SentencePieceModel.SPACE_SYMBOL)) {
                        piece = piece.substring(SentencePieceModel.SPACE_SYMBOL.length());
                        spaceDropped = true;
                    }
                    text.append(piece.replace(SentencePieceModel.SPACE_SYMBOL, " "));
                }
            }
        }
        appendBytes(bytes.toByteArray(), text);
        return text.toString();
    }

    /** Byte pieces as UTF-8, one character at a time; a byte that starts no valid character becomes U+FFFD. */
    private static void appendBytes(byte[] b, StringBuilder out) {
        int i = 0;
        while (i < b.length) {
            int length = Utf8.validLength(b, i);
            if (length == 0) {
                out.append('\uFFFD');
                i++;
            } else {
                out.append(new String(b, i, length, StandardCharsets.UTF_8));
                i += length;
            }
        }
    }

    /** transformers' clean_up_tokenization. */
    private static String cleanUp(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                .replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s").replace(" 've", "'ve")
                .replace(" 're", "'re");
    }

    @Override
    public void close() {
        plain.close();
    }
}
