package dev.seedj.examples.bench;

import java.util.Locale;

/**
 * Writes the rows of the two-column Markdown tables the benchmarks print ({@code | name | value |}), with
 * numbers formatted independently of the default locale.
 *
 * <p>Stateless and thread-safe.
 */
final class MarkdownRows {
    private MarkdownRows() {}

    /**
     * @param s the table being written
     * @param name the first column
     * @param value the second column
     */
    static void row(StringBuilder s, String name, String value) {
        s.append("| ").append(name).append(" | ").append(value).append(" |\n");
    }

    /**
     * @param pattern a {@link String#format} pattern
     * @param args its arguments
     * @return the text, formatted in {@link Locale#ROOT}
     */
    static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
