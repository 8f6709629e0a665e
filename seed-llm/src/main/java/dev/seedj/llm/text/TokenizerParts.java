package dev.seedj.llm.text;

import java.util.List;

/**
 * What a tokenizer family's loader hands to {@link TextTokenizer}.
 *
 * <p>Immutable and thread-safe if the codec is.
 *
 * @param codec the subword model
 * @param specials every token that text may contain as a string (special, added and image tokens)
 * @param bosId the beginning-of-sequence id, or -1 if the files define none
 * @param eosId the end-of-sequence id, or -1 if the files define none
 * @param size the largest id plus one
 */
record TokenizerParts(TextCodec codec, List<SpecialToken> specials, int bosId, int eosId, int size) {}
