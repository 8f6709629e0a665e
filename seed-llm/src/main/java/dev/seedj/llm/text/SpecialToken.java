package dev.seedj.llm.text;

/**
 * A token that text can contain as a string (a special token such as {@code <s>}, or an added token such as
 * SEED's {@code <img_00042>}), with its id and how it treats the whitespace next to it when it is split off
 * (Hugging Face's {@code lstrip}/{@code rstrip}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param text the token's string
 * @param id its id
 * @param stripLeft whether the text on its left loses its trailing whitespace
 * @param stripRight whether the text on its right loses its leading whitespace
 */
record SpecialToken(String text, int id, boolean stripLeft, boolean stripRight) {}
