package dev.seedj.examples.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Parses image codes typed on the command line: integers separated by spaces or commas, optionally inside
 * JSON brackets, so {@code 12 7 3}, {@code 12,7,3} and {@code [12, 7, 3]} are the same codes.
 *
 * <p>Stateless; thread-safe.
 */
public final class Codes {
    private static final Pattern SEPARATORS = Pattern.compile("[\\s,\\[\\]]+");

    private Codes() {
    }

    /**
     * @param arguments the command-line words holding the codes
     * @return the codes in order
     * @throws CliException naming the first word that is not an integer, or if there is no code
     */
    public static int[] parse(List<String> arguments) {
        List<Integer> codes = new ArrayList<>();
        for (String argument : arguments) {
            for (String word : SEPARATORS.split(argument.strip())) {
                if (word.isEmpty()) {
                    continue;
                }
                try {
                    codes.add(Integer.parseInt(word));
                } catch (NumberFormatException e) {
                    throw new CliException("bad code '" + word + "': codes are integers separated by spaces or commas");
                }
            }
        }
        if (codes.isEmpty()) {
            throw new CliException("no codes given");
        }
        return codes.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * @param codes codes
     * @return the codes separated by single spaces
     */
    public static String format(int[] codes) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < codes.length; i++) {
            if (i > 0) {
                out.append(' ');
            }
            out.append(codes[i]);
        }
        return out.toString();
    }
}
