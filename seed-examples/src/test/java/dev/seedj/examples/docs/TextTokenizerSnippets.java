package dev.seedj.examples.docs;

import dev.seedj.llm.Vocabulary;
import dev.seedj.llm.text.TextTokenizer;
import java.util.Set;

/**
 * The code shown in docs/text-tokenizers.md. Each region between {@code // snippet:NAME} and
 * {@code // end snippet} appears verbatim in the markdown ({@link MarkdownSnippetsTest} checks it);
 * {@link TextTokenizerSnippetsTest} runs it.
 */
final class TextTokenizerSnippets {
    private TextTokenizerSnippets() {
    }

    static long[][] encodings(TextTokenizer tok, String question, String line) {
        // snippet:allowed-special
        long[] userIds = tok.encode(question);                                   // plain text
        long[] trusted = tok.encode(line, tok.specialTokens());                  // every special string is its token
        long[] images = tok.encode(line, Set.of(Vocabulary.BOI, Vocabulary.EOI)); // only these
        // end snippet
        return new long[][] {userIds, trusted, images};
    }

    static long[] prompt(TextTokenizer tok, int[] codes, String question) {
        // snippet:prompt-ids
        long[] ids = tok.prompt().token(tok.bosId()).trustedText("USER: ").image(codes)
                .text(question).trustedText("\nASSISTANT:").build();
        // end snippet
        return ids;
    }
}
