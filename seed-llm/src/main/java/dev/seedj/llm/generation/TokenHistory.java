package dev.seedj.llm.generation;

import java.util.Arrays;

/**
 * The real (non-padding) tokens of one sequence so far: prompt then generated tokens. Logits processors
 * read it; beam search copies it when beams are reordered.
 *
 * <p>Not thread-safe: one per sequence of one generation.
 */
final class TokenHistory {
    private int[] tokens;
    private int size;
    private final int promptSize;

    /**
     * @param prompt the prompt's real tokens
     */
    TokenHistory(int[] prompt) {
        this.tokens = Arrays.copyOf(prompt, Math.max(16, prompt.length * 2));
        this.size = prompt.length;
        this.promptSize = prompt.length;
    }

    private TokenHistory(TokenHistory other) {
        this.tokens = Arrays.copyOf(other.tokens, other.tokens.length);
        this.size = other.size;
        this.promptSize = other.promptSize;
    }

    /** @param token appended */
    void add(int token) {
        if (size == tokens.length) {
            tokens = Arrays.copyOf(tokens, size * 2);
        }
        tokens[size++] = token;
    }

    /** @return number of tokens */
    int size() {
        return size;
    }

    /**
     * @param i index
     * @return the token
     */
    int get(int i) {
        return tokens[i];
    }

    /** @return the generated tokens (after the prompt) */
    int[] generated() {
        return Arrays.copyOfRange(tokens, promptSize, size);
    }

    /** @return number of generated tokens */
    int generatedCount() {
        return size - promptSize;
    }

    /** @return an independent copy */
    TokenHistory copy() {
        return new TokenHistory(this);
    }
}
