package dev.seedj.spark;

import dev.seedj.llm.train.LmExample;
import java.util.Arrays;

/**
 * Builds the image-text training sequences of a SEED LLM from its {@link SequenceFormat}, by id: the image's
 * codes become token ids through the vocabulary and are spliced into the prompt templates' text
 * ({@code PromptTemplates.captionIds} / {@code imageGenerationIds}), never written out as
 * {@code <img_XXXXX>} text and tokenized again. Both directions as SEED trains them (the loss covers the
 * target only, {@link LmExample#promptTarget}):
 * <ul>
 *   <li>{@link Task#CAPTION}, image to text: {@code BOS} + the caption template with {@code <img> codes </img>},
 *       then the target {@code caption EOS};</li>
 *   <li>{@link Task#GENERATION}, text to image: {@code BOS} + the image-generation template with the caption,
 *       ending with {@code <img>}, then the target {@code codes </img> EOS}.</li>
 * </ul>
 *
 * <p>Thread-safe if the format is.
 */
public final class ImageTextSequences {
    /** The two directions. Enum constants are immutable and thread-safe. */
    public enum Task {
        /** Image to text. */
        CAPTION,
        /** Text to image. */
        GENERATION
    }

    private final SequenceFormat format;

    /** @param format the LLM family's tokenizer, special ids, image vocabulary and templates */
    public ImageTextSequences(SequenceFormat format) {
        this.format = format;
    }

    /**
     * @param task which direction
     * @param codes the image's codes
     * @param caption its caption
     * @return the training sequence and its labels
     */
    public LmExample build(Task task, int[] codes, String caption) {
        return switch (task) {
            case CAPTION -> LmExample.promptTarget(
                    format.templates().captionIds(format.tokenizer(), codes),
                    withEos(format.encodeText(caption)));
            case GENERATION -> {
                long[] image = format.vocabulary().imageIds(codes); // <img> codes </img>
                yield LmExample.promptTarget(
                        format.templates().imageGenerationIds(format.tokenizer(), caption),
                        withEos(Arrays.copyOfRange(image, 1, image.length)));
            }
        };
    }

    private long[] withEos(long[] ids) {
        long[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = format.eosId();
        return out;
    }
}
