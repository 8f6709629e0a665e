package dev.seedj.diffusion.clip;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.jsoup.parser.Parser;

/**
 * CLIP's byte-level BPE tokenizer, as OpenAI's {@code SimpleTokenizer} (and Hugging Face's {@code CLIPTokenizer}
 * with ftfy) tokenizes: HTML entities unescaped twice, whitespace runs collapsed and trimmed, lower-cased, split by
 * CLIP's pattern ({@code <|startoftext|>}, {@code <|endoftext|>}, the English contractions, letter runs, single
 * digits, other non-space runs), each piece's UTF-8 bytes mapped to printable characters, the last one marked
 * {@code </w>}, and merged by rank. {@link #inputIds} frames the ids for the text encoder as Stable Diffusion does:
 * {@code [BOS] ids [EOS] pad...}, 77 long, truncated to 75 text tokens.
 *
 * <p>Written by hand rather than on Hugging Face tokenizers: CLIP's rules (the {@code </w>} end-of-word suffix, its
 * split pattern, lower-casing, the double HTML unescape) are not all expressible in a {@code tokenizer.json}
 * without ftfy, and this class is small. ftfy's text repair is not applied (identity), as in the fixtures.
 *
 * <p>Immutable apart from an internal cache; thread-safe.
 */
public final class ClipTokenizer {
    /** Stable Diffusion's text length: BOS, 75 text tokens, EOS. */
    public static final int CONTEXT_LENGTH = 77;
    /** The start-of-text token. */
    public static final String BOS = "<|startoftext|>";
    /** The end-of-text token (also SD v1's padding). */
    public static final String EOS = "<|endoftext|>";
    /** End-of-word suffix of the last symbol of each piece. */
    private static final String END_OF_WORD = "</w>";
    /** {@code SimpleTokenizer}'s merge count: {@code 49152 - 256 - 2}. */
    private static final int MAX_MERGES = 48894;
    /** CLIP's split pattern (case-insensitive; {@code \s} as Unicode white space). */
    private static final Pattern PIECES = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private final Map<String, Integer> encoder;
    private final String[] decoder;
    private final Map<String, Integer> mergeRanks; // "first second" -> rank
    private final int bos;
    private final int eos;
    private final Map<String, String[]> cache = new ConcurrentHashMap<>();

    private ClipTokenizer(Map<String, Integer> encoder, Map<String, Integer> mergeRanks) {
        this.encoder = Map.copyOf(encoder);
        this.mergeRanks = Map.copyOf(mergeRanks);
        int size = 0;
        for (int id : encoder.values()) {
            size = Math.max(size, id + 1);
        }
        this.decoder = new String[size];
        encoder.forEach((token, id) -> decoder[id] = token);
        this.bos = special(BOS);
        this.eos = special(EOS);
    }

    /**
     * Reads a Hugging Face / diffusers {@code tokenizer/} folder ({@code vocab.json} and {@code merges.txt}).
     *
     * @param folder the folder
     * @return the tokenizer
     * @throws IllegalArgumentException if a file is missing or malformed
     */
    public static ClipTokenizer fromFolder(Path folder) {
        return fromVocabAndMerges(folder.resolve("vocab.json"), folder.resolve("merges.txt"));
    }

    /**
     * @param vocabJson token to id
     * @param mergesTxt one merge {@code "a b"} per line after a {@code #version} header, in rank order
     * @return the tokenizer
     * @throws IllegalArgumentException if a file is missing or malformed
     */
    public static ClipTokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt) {
        Map<String, Integer> encoder = new LinkedHashMap<>();
        try {
            JsonObject vocab = JsonParser.parseString(Files.readString(vocabJson, StandardCharsets.UTF_8)).getAsJsonObject();
            for (Map.Entry<String, JsonElement> e : vocab.entrySet()) {
                encoder.put(e.getKey(), e.getValue().getAsInt());
            }
            List<String> lines = Files.readAllLines(mergesTxt, StandardCharsets.UTF_8);
            return new ClipTokenizer(encoder, ranks(lines.stream().filter(l -> !l.startsWith("#version")).toList()));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the CLIP tokenizer files " + vocabJson + ", " + mergesTxt
                    + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed CLIP tokenizer files " + vocabJson + ", " + mergesTxt + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Reads OpenAI's {@code bpe_simple_vocab_16e6.txt.gz} (a header line, then the merges); the vocabulary is built
     * as {@code SimpleTokenizer} builds it: the 256 byte characters, the same with {@code </w>}, one token per merge
     * (at most 48,894), then {@code <|startoftext|>} and {@code <|endoftext|>}.
     *
     * @param bpeGz the gzipped merges file
     * @return the tokenizer
     * @throws IllegalArgumentException if the file is missing or malformed
     */
    public static ClipTokenizer fromOpenAiBpe(Path bpeGz) {
        List<String> merges = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(bpeGz));
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            reader.readLine(); // header
            for (String line = reader.readLine(); line != null && merges.size() < MAX_MERGES; line = reader.readLine()) {
                if (!line.isBlank()) {
                    merges.add(line);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the CLIP BPE file " + bpeGz + ": " + e.getMessage(), e);
        }
        Map<String, Integer> encoder = new LinkedHashMap<>();
        for (char c : ByteUnicode.VOCAB_ORDER) {
            encoder.put(String.valueOf(c), encoder.size());
        }
        for (char c : ByteUnicode.VOCAB_ORDER) {
            encoder.put(c + END_OF_WORD, encoder.size());
        }
        for (String merge : merges) {
            encoder.put(merge.replace(" ", ""), encoder.size());
        }
        encoder.put(BOS, encoder.size());
        encoder.put(EOS, encoder.size());
        try {
            return new ClipTokenizer(encoder, ranks(merges));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed CLIP BPE file " + bpeGz + ": " + e.getMessage(), e);
        }
    }

    /**
     * The BPE ids of a text, without BOS and EOS ({@code SimpleTokenizer.encode}).
     *
     * @param text any text
     * @return the ids
     */
    public int[] encode(String text) {
        List<Integer> ids = new ArrayList<>();
        for (String token : tokens(text)) {
            ids.add(encoder.get(token));
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The BPE tokens of a text (e.g. {@code a</w>}, {@code photo</w>}).
     *
     * @param text any text
     * @return the tokens
     */
    public List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        String clean = WHITESPACE.matcher(unescapeHtml(unescapeHtml(text)).strip()).replaceAll(" ").strip()
                .toLowerCase(Locale.ROOT);
        Matcher m = PIECES.matcher(clean);
        while (m.find()) {
            String piece = m.group();
            String[] merged = cache.computeIfAbsent(piece, this::bpe);
            out.addAll(Arrays.asList(merged));
        }
        return out;
    }

    /**
     * The text encoder's input as Stable Diffusion builds it: {@code [BOS] + ids[:75] + [EOS]}, padded to 77 with
     * {@code padId} (SD v1 / {@code FrozenCLIPEmbedder}: EOS; SD 2.x / OpenCLIP: 0).
     *
     * @param text the prompt
     * @param padId the padding id
     * @return 77 ids
     */
    public long[] inputIds(String text, int padId) {
        int[] ids = encode(text);
        int kept = Math.min(ids.length, CONTEXT_LENGTH - 2);
        long[] out = new long[CONTEXT_LENGTH];
        Arrays.fill(out, padId);
        out[0] = bos;
        for (int i = 0; i < kept; i++) {
            out[i + 1] = ids[i];
        }
        out[kept + 1] = eos;
        return out;
    }

    /**
     * {@code SimpleTokenizer.decode}: the tokens' bytes as UTF-8 (invalid sequences replaced), {@code </w>} as a space.
     *
     * @param ids BPE ids
     * @return the text
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public String decode(int[] ids) {
        StringBuilder chars = new StringBuilder();
        for (int id : ids) {
            if (id < 0 || id >= decoder.length || decoder[id] == null) {
                throw new IllegalArgumentException("token id " + id + " is not in the vocabulary of " + decoder.length);
            }
            chars.append(decoder[id]);
        }
        byte[] bytes = new byte[chars.length()];
        int n = 0;
        for (int i = 0; i < chars.length(); i++) {
            bytes[n++] = (byte) ByteUnicode.byteOf(chars.charAt(i));
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8).replace(END_OF_WORD, " ");
    }

    /** @return the id of {@code <|startoftext|>} */
    public int bosId() {
        return bos;
    }

    /** @return the id of {@code <|endoftext|>} */
    public int eosId() {
        return eos;
    }

    /** @return the vocabulary size */
    public int vocabSize() {
        return decoder.length;
    }

    /**
     * @param token a token as stored in the vocabulary
     * @return its id
     * @throws IllegalArgumentException if the vocabulary does not have it
     */
    public int id(String token) {
        Integer id = encoder.get(token);
        if (id == null) {
            throw new IllegalArgumentException("'" + token + "' is not in the CLIP vocabulary");
        }
        return id;
    }

    /** {@code SimpleTokenizer.bpe} of one piece, as vocabulary tokens. */
    private String[] bpe(String piece) {
        if (piece.equals(BOS) || piece.equals(EOS)) {
            return new String[] {piece};
        }
        byte[] utf8 = piece.getBytes(StandardCharsets.UTF_8);
        List<String> word = new ArrayList<>(utf8.length);
        for (byte b : utf8) {
            word.add(String.valueOf(ByteUnicode.CHARS[b & 0xff]));
        }
        word.set(word.size() - 1, word.get(word.size() - 1) + END_OF_WORD);
        while (word.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer rank = mergeRanks.get(word.get(i) + " " + word.get(i + 1));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word = merged;
        }
        for (String token : word) {
            if (!encoder.containsKey(token)) {
                throw new IllegalStateException("BPE produced '" + token + "', which is not in the vocabulary");
            }
        }
        return word.toArray(new String[0]);
    }

    private int special(String token) {
        Integer id = encoder.get(token);
        if (id == null) {
            throw new IllegalArgumentException("the vocabulary lacks " + token);
        }
        return id;
    }

    private static Map<String, Integer> ranks(List<String> merges) {
        Map<String, Integer> ranks = new HashMap<>();
        for (String merge : merges) {
            if (merge.isBlank()) {
                continue;
            }
            String[] parts = merge.split(" ");
            if (parts.length != 2) {
                throw new IllegalArgumentException("a merge must be two symbols, got '" + merge + "'");
            }
            ranks.putIfAbsent(parts[0] + " " + parts[1], ranks.size());
        }
        return ranks;
    }

    /** Python's {@code html.unescape} (HTML5 named and numeric character references), via jsoup. */
    private static String unescapeHtml(String text) {
        return text.indexOf('&') < 0 ? text : Parser.unescapeEntities(text, false);
    }

    /** GPT-2 / CLIP {@code bytes_to_unicode}: every byte as a printable character. */
    static final class ByteUnicode {
        /** The character of each byte. */
        static final char[] CHARS = new char[256];
        /** The byte characters in vocabulary order: the printable bytes first, then the others. */
        static final char[] VOCAB_ORDER = new char[256];
        private static final Map<Character, Integer> BYTES = new HashMap<>();

        static {
            boolean[] printable = new boolean[256];
            for (int b = 0; b < 256; b++) {
                printable[b] = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            }
            int shifted = 0;
            int k = 0;
            for (int b = 0; b < 256; b++) {
                if (printable[b]) {
                    CHARS[b] = (char) b;
                    VOCAB_ORDER[k++] = CHARS[b];
                }
            }
            for (int b = 0; b < 256; b++) {
                if (!printable[b]) {
                    CHARS[b] = (char) (256 + shifted++);
                    VOCAB_ORDER[k++] = CHARS[b];
                }
            }
            for (int b = 0; b < 256; b++) {
                BYTES.put(CHARS[b], b);
            }
        }

        private ByteUnicode() {
        }

        /**
         * @param c a character of a vocabulary token
         * @return its byte
         * @throws IllegalArgumentException if it is not a byte character
         */
        static int byteOf(char c) {
            Integer b = BYTES.get(c);
            if (b == null) {
                throw new IllegalArgumentException("'" + c + "' is not a byte character of the CLIP vocabulary");
            }
            return b;
        }
    }
}
