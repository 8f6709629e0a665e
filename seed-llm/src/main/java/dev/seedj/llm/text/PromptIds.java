package dev.seedj.llm.text;

import dev.seedj.llm.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds a prompt's token ids from plain text and tokens given by id, so that image and control tokens come only
 * from the program, never from a user's text:
 *
 * <pre>{@code
 * long[] ids = tokenizer.prompt()
 *         .token(tokenizer.bosId())
 *         .trustedText("USER: ")
 *         .image(codes)                 // <img>, one token per code, </img>, by id
 *         .text(question)               // plain: "<img_00001>" in it stays text
 *         .trustedText("\nASSISTANT:")
 *         .build();
 * }</pre>
 *
 * The ids equal what the model family's Python tokenizer gives for the whole prompt written as one string (with
 * the tokens allowed): adjacent texts are encoded together, and the whitespace next to a token is stripped
 * where that tokenizer strips it (LLaMA's added tokens), as long as the user's text holds no special string.
 *
 * <p>Not thread-safe: use one builder per prompt.
 */
public final class PromptIds {
    private final TextTokenizer tokenizer;
    private final List<Segment> segments = new ArrayList<>();

    PromptIds(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * @param plain text from anyone: special and image token strings in it stay ordinary characters
     * @return this builder
     */
    public PromptIds text(String plain) {
        segments.add(Segment.text(Objects.requireNonNull(plain, "plain")));
        return this;
    }

    /**
     * @param trusted text from the program or the model's own files (a prompt template): every special and image
     *     token string in it becomes its token
     * @return this builder
     */
    public PromptIds trustedText(String trusted) {
        segments.addAll(tokenizer.splitSpecial(Objects.requireNonNull(trusted, "trusted")));
        return this;
    }

    /**
     * @param id a token id, e.g. {@link TextTokenizer#bosId()}
     * @return this builder
     * @throws IllegalArgumentException if the id is negative
     */
    public PromptIds token(int id) {
        if (id < 0) {
            throw new IllegalArgumentException("token id must not be negative, got " + id);
        }
        segments.add(Segment.token(id));
        return this;
    }

    /**
     * @param codes an image's codes
     * @return this builder, with {@code <img>}, one image token per code and {@code </img>} appended
     * @throws IllegalArgumentException if a code is outside the codebook
     */
    public PromptIds image(int[] codes) {
        Vocabulary v = tokenizer.imageVocabulary();
        token(v.boiId());
        for (int id : v.tokenIds(codes)) {
            token(id);
        }
        return token(v.eoiId());
    }

    /**
     * @return the prompt's ids
     * @throws IllegalArgumentException if a token id is outside the vocabulary
     */
    public long[] build() {
        return tokenizer.encodeSegments(segments);
    }
}
