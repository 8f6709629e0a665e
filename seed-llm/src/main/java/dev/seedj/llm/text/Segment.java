package dev.seedj.llm.text;

/**
 * A piece of a token sequence before encoding: plain text (never searched for special strings) or one token id.
 *
 * <p>Immutable and thread-safe.
 *
 * @param text the text, or null for a token
 * @param tokenId the token id, or -1 for text
 */
record Segment(String text, int tokenId) {
    /**
     * @param text plain text
     * @return a text segment
     */
    static Segment text(String text) {
        return new Segment(text, -1);
    }

    /**
     * @param id a token id
     * @return a token segment
     */
    static Segment token(int id) {
        return new Segment(null, id);
    }

    /** @return true for a token, false for text */
    boolean isToken() {
        return text == null;
    }
}
