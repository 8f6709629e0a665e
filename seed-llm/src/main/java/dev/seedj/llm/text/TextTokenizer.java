package dev.seedj.llm.text;

import dev.seedj.llm.Vocabulary;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The text tokenizer of a SEED language model, with SEED's image tokens ({@code <img_00000>} ..., {@code <img>},
 * {@code </img>}), for two families:
 * <ul>
 *   <li>LLaMA (SEED-LLaMA): a sentencepiece {@code tokenizer.model} plus {@code added_tokens.json},
 *       {@code special_tokens_map.json}, {@code tokenizer_config.json}, with transformers 4.30.2's slow
 *       {@code LlamaTokenizer} behaviour (see {@code SentencePieceCodec}); picked whenever {@code tokenizer.model}
 *       is in the directory;</li>
 *   <li>GPT-2 byte-level BPE (OPT, GPT-2): a Hugging Face {@code tokenizer.json}, or {@code vocab.json} +
 *       {@code merges.txt}.</li>
 * </ul>
 * Image tokens the files do not have get new ids after the largest one, in SEED's order: {@code <img_00000>} ...
 * then {@code <img>}, {@code </img>}.
 *
 * <p><b>Special strings in text</b> (tiktoken's {@code allowed_special} rule): {@link #encode(String)} treats its text as plain text: a user who writes {@code <img_01234>}, {@code </s>} or
 * {@code <|endoftext|>} gets the ids of those characters, never the image or control token, so user text cannot
 * inject image codes or end a sequence (for GPT-2 files the ids are exactly GPT-2's / tiktoken's
 * {@code encode(text, disallowed_special=())}). Only strings the caller names in
 * {@link #encode(String, Set)} become their tokens (pass {@link #specialTokens()} to match every one, as the Python
 * tokenizers do by default). Prompts put image and control tokens in by id through {@link #prompt()}, which
 * gives the same ids as the Python tokenizer on the prompt written as text.
 *
 * <p>No method adds BOS or EOS; callers put {@link #bosId()} in front themselves, as SEED's prompts do.
 *
 * <p>Thread-safe: immutable after loading (the Rust tokenizers are immutable); {@link #close()} must not race
 * with use.
 */
public final class TextTokenizer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TextTokenizer.class);
    /** SEED's codebook size. */
    private static final int SEED_CODES = 8192;
    /** Rows an embedding table may have beyond its text vocabulary without holding image tokens (OPT pads to 8). */
    private static final int VOCABULARY_PADDING = 8;

    private final TextCodec codec;
    private final Map<String, SpecialToken> specials;
    private final Set<String> specialTexts;
    private final Map<Integer, SpecialToken> specialsById;
    private final SpecialTokenTrie trie;
    private final Vocabulary imageVocabulary;
    private final int size;
    private final int bosId;
    private final int eosId;

    private TextTokenizer(TokenizerParts parts, int numImageCodes) {
        this.codec = parts.codec();
        try {
            Map<String, SpecialToken> byText = new LinkedHashMap<>();
            Map<Integer, SpecialToken> byId = new HashMap<>();
            for (SpecialToken t : parts.specials()) {
                byText.putIfAbsent(t.text(), t);
                byId.putIfAbsent(t.id(), t);
            }
            this.specials = byText;
            this.specialTexts = Set.copyOf(byText.keySet());
            this.specialsById = byId;
            this.trie = new SpecialTokenTrie(byText.values());
            this.imageVocabulary = Vocabulary.lookup(numImageCodes,
                    t -> byText.containsKey(t) ? byText.get(t).id() : codec.pieceId(t));
            this.size = parts.size();
            this.bosId = parts.bosId();
            this.eosId = parts.eosId();
        } catch (RuntimeException e) {
            codec.close();
            throw e;
        }
    }

    /**
     * Loads the tokenizer of a model directory with SEED's 8192 image codes.
     *
     * @param dir holds {@code tokenizer.model} (LLaMA), or {@code tokenizer.json}, or {@code vocab.json} and
     *     {@code merges.txt}
     * @return the tokenizer
     * @throws UncheckedIOException if the files are missing or unreadable
     * @throws IllegalArgumentException if they are malformed
     */
    public static TextTokenizer load(Path dir) {
        return load(dir, SEED_CODES);
    }

    /**
     * Loads the tokenizer of a model directory.
     *
     * @param dir holds {@code tokenizer.model} (plus optionally {@code added_tokens.json},
     *     {@code special_tokens_map.json}, {@code tokenizer_config.json}), or {@code tokenizer.json}, or
     *     {@code vocab.json} and {@code merges.txt} (plus optionally {@code special_tokens_map.json} naming the
     *     BOS token; OPT's is {@code </s>})
     * @param numImageCodes the image codebook size
     * @return the tokenizer
     * @throws UncheckedIOException if the files are missing or unreadable
     * @throws IllegalArgumentException if they are malformed
     */
    public static TextTokenizer load(Path dir, int numImageCodes) {
        if (numImageCodes <= 0) {
            throw new IllegalArgumentException("number of image codes must be positive, got " + numImageCodes);
        }
        List<String> imageTokens = new ArrayList<>(numImageCodes + 2);
        for (int code = 0; code < numImageCodes; code++) {
            imageTokens.add(Vocabulary.imageToken(code));
        }
        imageTokens.add(Vocabulary.BOI);
        imageTokens.add(Vocabulary.EOI);
        boolean sentencePiece = Files.isRegularFile(dir.resolve("tokenizer.model"));
        TokenizerParts parts = sentencePiece ? SentencePieceCodec.load(dir, imageTokens)
                : HuggingFaceJsonCodec.load(dir, imageTokens);
        TextTokenizer t = new TextTokenizer(parts, numImageCodes);
        LOG.debug("loaded the {} text tokenizer of {}: {} ids", sentencePiece ? "sentencepiece" : "byte-level BPE", dir, t.size);
        return t;
    }

    /**
     * Loads the tokenizer of a model directory with as many image codes as the language model's embedding table
     * has rows for, in SEED's layout (text tokens, one {@code <img_XXXXX>} per code, {@code <img>}, {@code </img>}):
     * 256 for SEED-mini's {@code llm/} (637 rows = 379 text + 256 + 2), 8192 for SEED-OPT. A table without room
     * for image tokens beyond 8 padding rows (a plain OPT) gets SEED's 8192.
     *
     * @param dir the tokenizer files, as for {@link #load(Path, int)}
     * @param embeddingRows the language model's vocabulary size ({@code vocab_size}, after any resize)
     * @return the tokenizer
     * @throws UncheckedIOException if the files are missing or unreadable
     * @throws IllegalArgumentException if they are malformed
     */
    public static TextTokenizer forModel(Path dir, long embeddingRows) {
        int textTokens;
        try (TextTokenizer probe = load(dir, 1)) {
            textTokens = probe.imageVocabulary().tokenId(0); // the first image token follows the text vocabulary
        }
        long codes = embeddingRows - textTokens - 2;
        if (embeddingRows - textTokens <= VOCABULARY_PADDING || codes < 1) {
            return load(dir);
        }
        return load(dir, Math.toIntExact(codes));
    }

    /**
     * @param dir a directory
     * @return true if it holds the files {@link #load(Path)} reads: {@code tokenizer.model}, {@code tokenizer.json}
     *     or {@code vocab.json} + {@code merges.txt}
     */
    public static boolean isPresent(Path dir) {
        return Files.isRegularFile(dir.resolve("tokenizer.model")) || Files.isRegularFile(dir.resolve("tokenizer.json"))
                || Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt"));
    }

    /**
     * Encodes plain text: special and image token strings in it are ordinary characters.
     *
     * @param text any text, e.g. from a user
     * @return token ids, without BOS or any other special token
     */
    public long[] encode(String text) {
        return encode(text, Set.of());
    }

    /**
     * Encodes text in which the named special strings are their tokens (tiktoken's {@code allowed_special}).
     * Whitespace next to them is handled as the family's Python tokenizer does (LLaMA's added tokens strip it).
     *
     * @param text text from a trusted source (a prompt template, a training file)
     * @param allowedSpecial the special or image token strings to match, e.g. {@link #specialTokens()} for all;
     *     other strings in the set are ignored
     * @return token ids, without BOS unless the text contains an allowed BOS string
     */
    public long[] encode(String text, Set<String> allowedSpecial) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(allowedSpecial, "allowedSpecial");
        return encodeSegments(trie.split(text, allowedSpecial));
    }

    /** @return every string that {@link #encode(String, Set)} can match: special, added and image tokens */
    public Set<String> specialTokens() {
        return specialTexts;
    }

    /** @return a new builder of a prompt's ids from plain text and tokens given by id */
    public PromptIds prompt() {
        return new PromptIds(this);
    }

    /** Splits trusted text on every special string (for {@link PromptIds}). */
    List<Segment> splitSpecial(String text) {
        return trie.split(text, specialTexts);
    }

    /**
     * The ids of a sequence of plain texts and tokens, as the family's Python tokenizer gives for the same
     * sequence written as text with the tokens allowed: adjacent texts are joined, whitespace next to a token is
     * stripped where the token strips it, and each text between tokens is encoded on its own.
     */
    long[] encodeSegments(List<Segment> segments) {
        List<Segment> joined = new ArrayList<>();
        for (Segment s : segments) {
            if (!s.isToken() && !joined.isEmpty() && !joined.get(joined.size() - 1).isToken()) {
                joined.set(joined.size() - 1, Segment.text(joined.get(joined.size() - 1).text() + s.text()));
            } else {
                joined.add(s);
            }
        }
        String[] texts = new String[joined.size()];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = joined.get(i).text();
        }
        for (int i = 0; i < texts.length; i++) {
            SpecialToken t = joined.get(i).isToken() ? specialsById.get(joined.get(i).tokenId()) : null;
            if (t == null) {
                continue;
            }
            if (t.stripLeft() && i > 0 && texts[i - 1] != null) {
                texts[i - 1] = PythonWhitespace.rstrip(texts[i - 1]);
            }
            if (t.stripRight() && i + 1 < texts.length && texts[i + 1] != null) {
                texts[i + 1] = PythonWhitespace.lstrip(texts[i + 1]);
            }
        }
        List<long[]> pieces = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < texts.length; i++) {
            long[] ids;
            if (joined.get(i).isToken()) {
                ids = new long[] {checkId(joined.get(i).tokenId())};
            } else if (texts[i].isEmpty()) {
                continue;
            } else {
                ids = codec.encodePlain(texts[i]);
            }
            pieces.add(ids);
            total += ids.length;
        }
        long[] out = new long[total];
        int at = 0;
        for (long[] p : pieces) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private long checkId(long id) {
        if (id < 0 || id >= size) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + size + ")");
        }
        return id;
    }

    /**
     * Decodes ids as the family's Python tokenizer does.
     *
     * @param ids token ids
     * @param skipSpecialTokens drop special tokens: BOS/EOS/padding/unknown; for the byte-level family also the
     *     image tokens (registered as special there), for LLaMA not (its added tokens are not special)
     * @return the text
     * @throws IllegalArgumentException if an id is outside the vocabulary
     */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        for (long id : ids) {
            checkId(id);
        }
        return codec.decode(ids, skipSpecialTokens);
    }

    /**
     * @param token a token text, e.g. {@code </s>} or {@code <img>}
     * @return its id, or -1 if the tokenizer does not know it
     */
    public int tokenId(String token) {
        SpecialToken t = specials.get(token);
        return t != null ? t.id() : codec.pieceId(token);
    }

    /** @return the largest id plus one: the embedding rows a model needs for this tokenizer */
    public int size() {
        return size;
    }

    /** @return the BOS token id ({@code </s>} = 2 for OPT, {@code <s>} = 1 for LLaMA), or -1 if there is none */
    public int bosId() {
        return bosId;
    }

    /** @return the EOS token id ({@code </s>} = 2 for OPT and LLaMA), or -1 if there is none */
    public int eosId() {
        return eosId;
    }

    /** @return the image tokens' ids */
    public Vocabulary imageVocabulary() {
        return imageVocabulary;
    }

    @Override
    public void close() {
        codec.close();
    }
}
