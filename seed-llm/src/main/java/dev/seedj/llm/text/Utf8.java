package dev.seedj.llm.text;

/**
 * Strict UTF-8 (RFC 3629): the length of the well-formed character at a position, as sentencepiece's
 * {@code IsValidDecodeUTF8} judges it (no overlong forms, no surrogates, nothing above U+10FFFF).
 *
 * <p>Stateless and thread-safe.
 */
final class Utf8 {
    private Utf8() {}

    /**
     * @param b bytes
     * @param at a position in them
     * @return the byte length of the well-formed character starting at {@code at}, or 0 if none starts there
     */
    static int validLength(byte[] b, int at) {
        int b0 = b[at] & 0xFF;
        if (b0 < 0x80) {
            return 1;
        }
        int length;
        int min;
        int cp;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            length = 2;
            min = 0x80;
            cp = b0 & 0x1F;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            length = 3;
            min = 0x800;
            cp = b0 & 0x0F;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            length = 4;
            min = 0x10000;
            cp = b0 & 0x07;
        } else {
            return 0;
        }
        if (at + length > b.length) {
            return 0;
        }
        for (int k = 1; k < length; k++) {
            int c = b[at + k] & 0xFF;
            if ((c & 0xC0) != 0x80) {
                return 0;
            }
            cp = cp << 6 | (c & 0x3F);
        }
        boolean surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        return cp < min || surrogate || cp > 0x10FFFF ? 0 : length;
    }
}
