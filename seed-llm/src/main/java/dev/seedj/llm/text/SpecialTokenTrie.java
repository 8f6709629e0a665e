package dev.seedj.llm.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds special-token strings in text, leftmost first and, among matches at the same position, longest first
 * (as transformers' {@code Trie.split} and Hugging Face's added-vocabulary matcher do), considering only the
 * strings a caller allows.
 *
 * <p>Immutable after construction and thread-safe.
 */
final class SpecialTokenTrie {
    private static final class Node {
        final Map<Character, Node> next = new HashMap<>();
        SpecialToken token;
    }

    private final Node root = new Node();

    /** @param tokens the tokens to find */
    SpecialTokenTrie(Iterable<SpecialToken> tokens) {
        for (SpecialToken t : tokens) {
            Node n = root;
            for (int i = 0; i < t.text().length(); i++) {
                n = n.next.computeIfAbsent(t.text().charAt(i), c -> new Node());
            }
            if (n.token == null) {
                n.token = t;
            }
        }
    }

    /**
     * @param text any text
     * @param allowed the token strings to split off; others stay text
     * @return text and token segments in order; no text segment is empty
     */
    List<Segment> split(String text, Set<String> allowed) {
        List<Segment> out = new ArrayList<>();
        if (allowed.isEmpty()) {
            if (!text.isEmpty()) {
                out.add(Segment.text(text));
            }
            return out;
        }
        int textStart = 0;
        int i = 0;
        while (i < text.length()) {
            SpecialToken match = null;
            int matchEnd = -1;
            Node n = root;
            for (int j = i; j < text.length(); j++) {
                n = n.next.get(text.charAt(j));
                if (n == null) {
                    break;
                }
                if (n.token != null && allowed.contains(n.token.text())) {
                    match = n.token;
                    matchEnd = j + 1;
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            if (i > textStart) {
                out.add(Segment.text(text.substring(textStart, i)));
            }
            out.add(Segment.token(match.id()));
            i = matchEnd;
            textStart = i;
        }
        if (textStart < text.length()) {
            out.add(Segment.text(text.substring(textStart)));
        }
        return out;
    }
}
