package dev.seedj.llm.text;

/**
 * Python's {@code str.lstrip()} / {@code str.rstrip()}: whitespace is what {@code str.isspace()} accepts, which is
 * Java's {@link Character#isWhitespace} plus U+0085 and the no-break spaces U+00A0, U+2007, U+202F.
 *
 * <p>Stateless and thread-safe.
 */
final class PythonWhitespace {
    private PythonWhitespace() {}

    /**
     * @param cp a code point
     * @return whether Python's {@code str.isspace()} is true for it
     */
    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || cp == 0x85 || cp == 0xA0 || cp == 0x2007 || cp == 0x202F;
    }

    /**
     * @param s any text
     * @return it without leading whitespace
     */
    static String lstrip(String s) {
        int i = 0;
        while (i < s.length() && isSpace(s.codePointAt(i))) {
            i += Character.charCount(s.codePointAt(i));
        }
        return s.substring(i);
    }

    /**
     * @param s any text
     * @return it without trailing whitespace
     */
    static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(0, end);
    }
}
