package dev.seedj.llm;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.ToIntFunction;

/**
 * The SEED visual vocabulary inside an LLM vocabulary: one token per codebook entry, {@code <img_00000>} ...
 * {@code <img_08191>}, and the image delimiters {@code <img>} and {@code </img>}. Maps image codes to token
 * ids and back. (Resizing the model's embedding table to make room for these tokens is
 * {@link OptModel#resizeTokenEmbeddings}.)
 *
 * <p>Immutable and thread-safe.
 */
public final class Vocabulary {
    /** Opens an image. */
    public static final String BOI = "<img>";
    /** Closes an image. */
    public static final String EOI = "</img>";

    private final int[] codeToId;
    private final int[] idToCode;
    private final int boiId;
    private final int eoiId;

    private Vocabulary(int[] codeToId, int boiId, int eoiId) {
        if (boiId < 0 || eoiId < 0 || boiId == eoiId) {
            throw new IllegalArgumentException("<img> and </img> need distinct non-negative ids, got "
                    + boiId + " and " + eoiId);
        }
        this.codeToId = codeToId;
        this.boiId = boiId;
        this.eoiId = eoiId;
        int maxId = Math.max(Math.max(boiId, eoiId), Arrays.stream(codeToId).max().orElse(0));
        this.idToCode = new int[maxId + 1];
        Arrays.fill(idToCode, -1);
        for (int code = 0; code < codeToId.length; code++) {
            int id = codeToId[code];
            if (id < 0 || idToCode[id] != -1 || id == boiId || id == eoiId) {
                throw new IllegalArgumentException("image token id " + id + " of code " + code
                        + " is negative or not unique");
            }
            idToCode[id] = code;
        }
    }

    /**
     * The layout SEED-OPT uses: image tokens are consecutive ids.
     *
     * @param firstImageTokenId the id of {@code <img_00000>}
     * @param numCodes the codebook size (8192 for SEED)
     * @param boiId the id of {@code <img>}
     * @param eoiId the id of {@code </img>}
     * @return the vocabulary
     */
    public static Vocabulary contiguous(int firstImageTokenId, int numCodes, int boiId, int eoiId) {
        if (numCodes <= 0) {
            throw new IllegalArgumentException("number of image codes must be positive, got " + numCodes);
        }
        int[] ids = new int[numCodes];
        for (int i = 0; i < numCodes; i++) {
            ids[i] = firstImageTokenId + i;
        }
        return new Vocabulary(ids, boiId, eoiId);
    }

    /**
     * Looks every image token up by its text (e.g. in a text tokenizer's vocabulary).
     *
     * @param numCodes the codebook size
     * @param idOfToken the id of a token text
     * @return the vocabulary
     */
    public static Vocabulary lookup(int numCodes, ToIntFunction<String> idOfToken) {
        int[] ids = new int[numCodes];
        for (int i = 0; i < numCodes; i++) {
            ids[i] = idOfToken.applyAsInt(imageToken(i));
        }
        return new Vocabulary(ids, idOfToken.applyAsInt(BOI), idOfToken.applyAsInt(EOI));
    }

    /**
     * @param code an image code
     * @return its token text, {@code <img_XXXXX>} with five digits
     */
    public static String imageToken(int code) {
        return String.format(Locale.ROOT, "<img_%05d>", code);
    }

    /**
     * @param codes image codes
     * @return {@code <img>}, one token per code, {@code </img>}, as text
     */
    public static String imageText(int[] codes) {
        StringBuilder sb = new StringBuilder(BOI);
        for (int c : codes) {
            sb.append(imageToken(c));
        }
        return sb.append(EOI).toString();
    }

    /** @return the codebook size */
    public int numCodes() {
        return codeToId.length;
    }

    /** @return the id of {@code <img>} */
    public int boiId() {
        return boiId;
    }

    /** @return the id of {@code </img>} */
    public int eoiId() {
        return eoiId;
    }

    /** @return the largest id this vocabulary uses */
    public int maxId() {
        return idToCode.length - 1;
    }

    /**
     * @param code an image code
     * @return its token id
     * @throws IllegalArgumentException if the code is outside the codebook
     */
    public int tokenId(int code) {
        if (code < 0 || code >= codeToId.length) {
            throw new IllegalArgumentException("image code " + code + " is outside [0, " + codeToId.length + ")");
        }
        return codeToId[code];
    }

    /**
     * @param tokenId a token id
     * @return true if it is an image token ({@code <img_XXXXX>}, not a delimiter)
     */
    public boolean isImageToken(long tokenId) {
        return tokenId >= 0 && tokenId < idToCode.length && idToCode[(int) tokenId] >= 0;
    }

    /**
     * @param tokenId an image token id
     * @return its code
     * @throws IllegalArgumentException if it is not an image token
     */
    public int code(long tokenId) {
        if (!isImageToken(tokenId)) {
            throw new IllegalArgumentException("token id " + tokenId + " is not an image token");
        }
        return idToCode[(int) tokenId];
    }

    /**
     * @param codes image codes
     * @return their token ids
     */
    public int[] tokenIds(int[] codes) {
        int[] out = new int[codes.length];
        for (int i = 0; i < codes.length; i++) {
            out[i] = tokenId(codes[i]);
        }
        return out;
    }

    /**
     * An image as token ids, without going through its text form: {@code <img>}, one id per code,
     * {@code </img>}; the ids of {@link #imageText} tokenized.
     *
     * @param codes image codes
     * @return {@code codes.length + 2} token ids
     */
    public long[] imageIds(int[] codes) {
        long[] out = new long[codes.length + 2];
        out[0] = boiId;
        for (int i = 0; i < codes.length; i++) {
            out[i + 1] = tokenId(codes[i]);
        }
        out[codes.length + 1] = eoiId;
        return out;
    }

    /**
     * @param tokenIds image token ids
     * @return their codes
     */
    public int[] codes(int[] tokenIds) {
        int[] out = new int[tokenIds.length];
        for (int i = 0; i < tokenIds.length; i++) {
            out[i] = code(tokenIds[i]);
        }
        return out;
    }
}
