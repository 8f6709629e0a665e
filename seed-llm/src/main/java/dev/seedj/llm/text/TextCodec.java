package dev.seedj.llm.text;

/**
 * One tokenizer family's subword model behind {@link TextTokenizer}: plain text chunks to ids (no special or
 * added token is ever matched inside a chunk: {@link TextTokenizer} splits those off first) and ids back to text
 * the way the family's Python tokenizer decodes them.
 *
 * <p>Implementations are thread-safe; {@link #close()} must not race with use.
 */
interface TextCodec extends AutoCloseable {
    /**
     * @param chunk plain text, not empty
     * @return its ids
     */
    long[] encodePlain(String chunk);

    /**
     * @param ids token ids, each in the vocabulary (the caller checks)
     * @param skipSpecialTokens drop the family's special tokens
     * @return the text
     */
    String decode(long[] ids, boolean skipSpecialTokens);

    /**
     * @param token a token text of the subword vocabulary
     * @return its id, or -1
     */
    int pieceId(String token);

    @Override
    void close();
}
