package dev.seedj.llm.text;

import java.util.List;

/**
 * GPT-2's {@code bytes_to_unicode}: the 256 printable stand-ins that byte-level BPE vocabularies (GPT-2, OPT)
 * use for raw bytes. Printable bytes ({@code !..~}, {@code ¡..¬}, {@code ®..ÿ}) stand for themselves; the
 * others map, in byte order, to code points from 256 on (so a space is {@code Ġ}).
 *
 * <p>Immutable and thread-safe.
 */
public final class ByteLevelAlphabet {
    private static final List<String> SYMBOLS = build();

    private ByteLevelAlphabet() {}

    /** @return the stand-in of every byte value, indexed by the unsigned byte */
    public static List<String> symbols() {
        return SYMBOLS;
    }

    /**
     * @param b an unsigned byte value, 0..255
     * @return its stand-in
     */
    public static String symbol(int b) {
        return SYMBOLS.get(b);
    }

    private static List<String> build() {
        String[] out = new String[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out[b] = printable ? String.valueOf((char) b) : String.valueOf((char) (256 + n++));
        }
        return List.of(out);
    }
}
