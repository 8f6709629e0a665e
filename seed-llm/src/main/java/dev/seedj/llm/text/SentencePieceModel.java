package dev.seedj.llm.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The parts of a sentencepiece {@code tokenizer.model} ({@code ModelProto}, sentencepiece_model.proto) that
 * encoding and decoding need: the pieces with their scores and types, the model type, byte fallback, the
 * unknown token's surface and the normalizer flags. Parsed by hand from the protobuf wire format.
 *
 * <p>Only what LLaMA-family models use is accepted: a BPE model whose normalizer escapes spaces as {@code ▁},
 * does not remove extra whitespace, and has no user-defined or unused pieces. Anything else is refused with a
 * message naming the setting, rather than tokenized differently from sentencepiece.
 *
 * <p>Immutable and thread-safe.
 */
final class SentencePieceModel {
    /** sentencepiece's word-boundary symbol, U+2581. */
    static final String SPACE_SYMBOL = "\u2581";

    /** A piece's type ({@code ModelProto.SentencePiece.Type}). */
    enum PieceType {
        /** An ordinary subword. */
        NORMAL,
        /** The unknown token. */
        UNKNOWN,
        /** A control symbol such as {@code <s>}: never produced from text, decodes to nothing. */
        CONTROL,
        /** A user-defined symbol. */
        USER_DEFINED,
        /** An unused piece. */
        UNUSED,
        /** A byte-fallback piece {@code <0xXX>}. */
        BYTE;

        static PieceType of(long number) {
            return switch ((int) number) {
                case 1 -> NORMAL;
                case 2 -> UNKNOWN;
                case 3 -> CONTROL;
                case 4 -> USER_DEFINED;
                case 5 -> UNUSED;
                case 6 -> BYTE;
                default -> throw new IllegalArgumentException("unknown sentencepiece piece type " + number);
            };
        }
    }

    /**
     * One vocabulary entry.
     *
     * @param piece its text, with {@code ▁} for spaces
     * @param score its score (BPE: higher merges first)
     * @param type its type
     */
    record Piece(String piece, float score, PieceType type) {}

    private static final int MODEL_TYPE_BPE = 2;
    private static final String DEFAULT_UNK_SURFACE = " \u2047 ";

    private final List<Piece> pieces;
    private final Map<String, Integer> ids;
    private final boolean byteFallback;
    private final boolean addDummyPrefix;
    private final String unkSurface;
    private final byte[] precompiledCharsmap;

    private SentencePieceModel(List<Piece> pieces, boolean byteFallback, boolean addDummyPrefix, String unkSurface,
            byte[] precompiledCharsmap) {
        this.pieces = Collections.unmodifiableList(pieces);
        this.byteFallback = byteFallback;
        this.addDummyPrefix = addDummyPrefix;
        this.unkSurface = unkSurface;
        this.precompiledCharsmap = precompiledCharsmap;
        this.ids = new HashMap<>();
        for (int i = 0; i < pieces.size(); i++) {
            Piece p = pieces.get(i);
            if (p.piece().isEmpty()) {
                throw new IllegalArgumentException("sentencepiece piece " + i + " is empty");
            }
            if (ids.put(p.piece(), i) != null) {
                throw new IllegalArgumentException("sentencepiece piece '" + p.piece() + "' appears twice");
            }
            if (p.type() == PieceType.BYTE) {
                byteValue(p.piece(), i); // validates the form
            }
        }
    }

    /**
     * @param file a {@code tokenizer.model}
     * @return the model
     * @throws UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException naming the file and the problem if it is malformed or unsupported
     */
    static SentencePieceModel read(Path file) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        try {
            return parse(data);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param data a serialized {@code ModelProto}
     * @return the model
     * @throws IllegalArgumentException if it is malformed or uses a setting this reader does not support
     */
    static SentencePieceModel parse(byte[] data) {
        ProtobufReader in = new ProtobufReader(data, "sentencepiece ModelProto");
        List<Piece> pieces = new ArrayList<>();
        long modelType = 1; // UNIGRAM, the proto default
        boolean byteFallback = false;
        boolean whitespaceAsSuffix = false;
        String unkSurface = DEFAULT_UNK_SURFACE;
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;
        byte[] charsmap = new byte[0];
        boolean denormalizes = false;
        while (in.hasMore()) {
            int tag = in.readTag();
            switch (tag >>> 3) {
                case 1 -> {
                    in.expect(tag, ProtobufReader.LENGTH_DELIMITED, "pieces");
                    pieces.add(piece(in.readMessage("pieces[" + pieces.size() + "]")));
                }
                case 2 -> {
                    in.expect(tag, ProtobufReader.LENGTH_DELIMITED, "trainer_spec");
                    ProtobufReader t = in.readMessage("trainer_spec");
                    while (t.hasMore()) {
                        int ttag = t.readTag();
                        switch (ttag >>> 3) {
                            case 3 -> modelType = varint(t, ttag, "model_type");
                            case 24 -> whitespaceAsSuffix = varint(t, ttag, "treat_whitespace_as_suffix") != 0;
                            case 35 -> byteFallback = varint(t, ttag, "byte_fallback") != 0;
                            case 44 -> {
                                t.expect(ttag, ProtobufReader.LENGTH_DELIMITED, "unk_surface");
                                unkSurface = t.readString();
                            }
                            default -> t.skip(ttag);
                        }
                    }
                }
                case 3 -> {
                    in.expect(tag, ProtobufReader.LENGTH_DELIMITED, "normalizer_spec");
                    ProtobufReader n = in.readMessage("normalizer_spec");
                    while (n.hasMore()) {
                        int ntag = n.readTag();
                        switch (ntag >>> 3) {
                            case 2 -> {
                                n.expect(ntag, ProtobufReader.LENGTH_DELIMITED, "precompiled_charsmap");
                                charsmap = n.readBytes();
                            }
                            case 3 -> addDummyPrefix = varint(n, ntag, "add_dummy_prefix") != 0;
                            case 4 -> removeExtraWhitespaces = varint(n, ntag, "remove_extra_whitespaces") != 0;
                            case 5 -> escapeWhitespaces = varint(n, ntag, "escape_whitespaces") != 0;
                            default -> n.skip(ntag);
                        }
                    }
                }
                case 5 -> {
                    in.expect(tag, ProtobufReader.LENGTH_DELIMITED, "denormalizer_spec");
                    ProtobufReader d = in.readMessage("denormalizer_spec");
                    while (d.hasMore()) {
                        int dtag = d.readTag();
                        if (dtag >>> 3 == 2) {
                            d.expect(dtag, ProtobufReader.LENGTH_DELIMITED, "precompiled_charsmap");
                            denormalizes |= d.readBytes().length > 0;
                        } else {
                            d.skip(dtag);
                        }
                    }
                }
                default -> in.skip(tag);
            }
        }
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException("the model has no pieces (not a sentencepiece tokenizer.model?)");
        }
        if (modelType != MODEL_TYPE_BPE) {
            throw new IllegalArgumentException("sentencepiece model_type " + modelType
                    + " is not supported: only BPE (2), as LLaMA uses");
        }
        unsupported(whitespaceAsSuffix, "treat_whitespace_as_suffix");
        unsupported(removeExtraWhitespaces, "remove_extra_whitespaces");
        unsupported(!escapeWhitespaces, "escape_whitespaces = false");
        unsupported(denormalizes, "a denormalizer");
        for (Piece p : pieces) {
            unsupported(p.type() == PieceType.USER_DEFINED || p.type() == PieceType.UNUSED,
                    p.type().name().toLowerCase(Locale.ROOT) + " piece '" + p.piece() + "'");
        }
        return new SentencePieceModel(pieces, byteFallback, addDummyPrefix, unkSurface, charsmap);
    }

    private static Piece piece(ProtobufReader p) {
        String text = null;
        float score = 0;
        PieceType type = PieceType.NORMAL;
        while (p.hasMore()) {
            int tag = p.readTag();
            switch (tag >>> 3) {
                case 1 -> {
                    p.expect(tag, ProtobufReader.LENGTH_DELIMITED, "piece");
                    text = p.readString();
                }
                case 2 -> {
                    p.expect(tag, ProtobufReader.FIXED32, "score");
                    score = Float.intBitsToFloat(p.readFixed32());
                }
                case 3 -> type = PieceType.of(varint(p, tag, "type"));
                default -> p.skip(tag);
            }
        }
        if (text == null) {
            throw new IllegalArgumentException("a sentencepiece piece has no text");
        }
        return new Piece(text, score, type);
    }

    private static long varint(ProtobufReader r, int tag, String field) {
        r.expect(tag, ProtobufReader.VARINT, field);
        return r.readVarint();
    }

    private static void unsupported(boolean present, String what) {
        if (present) {
            throw new IllegalArgumentException("the sentencepiece model uses " + what
                    + ", which SEED-J does not support (LLaMA-family BPE models do not)");
        }
    }

    private static int byteValue(String piece, int id) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || !piece.endsWith(">")) {
            throw new IllegalArgumentException("byte piece " + id + " is '" + piece + "', expected <0xXX>");
        }
        try {
            return Integer.parseInt(piece.substring(3, 5), 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("byte piece " + id + " is '" + piece + "', expected <0xXX>", e);
        }
    }

    /** @return every piece, index = id */
    List<Piece> pieces() {
        return pieces;
    }

    /**
     * @param piece a piece text
     * @return its id, or -1
     */
    int id(String piece) {
        Integer id = ids.get(piece);
        return id == null ? -1 : id;
    }

    /** @return the id of the unknown piece */
    int unkId() {
        for (int i = 0; i < pieces.size(); i++) {
            if (pieces.get(i).type() == PieceType.UNKNOWN) {
                return i;
            }
        }
        throw new IllegalArgumentException("the sentencepiece model has no unknown piece");
    }

    /** @return whether unknown characters become {@code <0xXX>} byte pieces */
    boolean byteFallback() {
        return byteFallback;
    }

    /** @return whether a {@code ▁} is put in front of the text */
    boolean addDummyPrefix() {
        return addDummyPrefix;
    }

    /** @return the text the unknown piece decodes to */
    String unkSurface() {
        return unkSurface;
    }

    /** @return the normalizer's precompiled character map, empty for LLaMA's identity normalizer */
    byte[] precompiledCharsmap() {
        return precompiledCharsmap.clone();
    }

    /**
     * @param id a byte piece's id
     * @return the byte it stands for, 0..255
     */
    int byteOf(int id) {
        return byteValue(pieces.get(id).piece(), id);
    }
}
