package dev.seedj.examples.mini;

import dev.seedj.examples.shapes.CaptionAttributes;
import dev.seedj.llm.PromptTemplates;
import dev.seedj.llm.Vocabulary;
import dev.seedj.llm.text.TextTokenizer;
import dev.seedj.llm.train.LmExample;
import java.util.ArrayList;
import java.util.List;

/**
 * The training sequences of SEED-mini's language model, built with the same {@link PromptTemplates} and text
 * tokenizer that {@code SeedOpt} uses at inference, so that training and generation see identical token ids:
 * <ul>
 *   <li>image to text: {@code BOS <img> c1 .. c32 </img>} then the target {@code caption EOS};</li>
 *   <li>text to image: {@code BOS caption <img>} then the target {@code c1 .. c32 </img>};</li>
 *   <li>the colour question: {@code BOS <img> .. </img>Question: what colour is the shape?\nAnswer:} then the
 *       target {@code " colour" EOS}.</li>
 * </ul>
 * The loss covers the targets only. {@link #taskMix} puts the three tasks together: the bundled language model learns
 * all of them, so that one model captions, answers and draws.
 *
 * <p>Thread-safe if the tokenizer is (it is).
 */
public final class MiniSequences {
    private final TextTokenizer text;
    private final PromptTemplates templates;
    private final long eosId;

    /**
     * @param text the language model's text tokenizer, with the image tokens
     * @param templates the prompt templates saved with the model
     * @param eosId the end-of-sequence id
     */
    public MiniSequences(TextTokenizer text, PromptTemplates templates, long eosId) {
        this.text = text;
        this.templates = templates;
        this.eosId = eosId;
    }

    /**
     * @param codes one image's codes
     * @param caption its caption
     * @return the image-to-text example
     */
    public LmExample captioning(int[] codes, String caption) {
        return LmExample.promptTarget(templates.captionIds(text, codes), withEos(text.encode(caption)));
    }

    /**
     * @param codes one image's codes
     * @param caption its caption
     * @return the text-to-image example
     */
    public LmExample imageGeneration(int[] codes, String caption) {
        Vocabulary v = text.imageVocabulary();
        long[] target = new long[codes.length + 1];
        int[] ids = v.tokenIds(codes);
        for (int i = 0; i < ids.length; i++) {
            target[i] = ids[i];
        }
        target[codes.length] = v.eoiId();
        return LmExample.promptTarget(templates.imageGenerationIds(text, caption), target);
    }

    /**
     * @param codes one image's codes
     * @param attributes what the image shows
     * @return the colour-question example
     */
    public LmExample colourAnswer(int[] codes, CaptionAttributes attributes) {
        return LmExample.promptTarget(templates.answerIds(text, codes, MiniWorldText.COLOUR_QUESTION),
                withEos(text.encode(" " + attributes.colour().word())));
    }

    /**
     * @param scenes tokenized training scenes (only the rendered pictures' codes are used)
     * @return caption to codes and codes to caption for every scene, interleaved
     */
    public List<LmExample> bothDirections(TokenizedScenes scenes) {
        List<LmExample> out = new ArrayList<>(2 * scenes.size());
        for (int i = 0; i < scenes.size(); i++) {
            String caption = scenes.scenes().get(i).caption();
            out.add(captioning(scenes.clean().get(i), caption));
            out.add(imageGeneration(scenes.clean().get(i), caption));
        }
        return out;
    }

    /**
     * Every task on every scene, four sequences per scene in this order: the caption of the rendered picture, the
     * caption of the degraded picture, the text-to-image sequence (codes of the rendered picture, the canonical
     * target of generation), and the colour answer (about the rendered picture for even scene indices, the degraded
     * one for odd).
     *
     * @param scenes tokenized training scenes
     * @return the mixed sequences
     */
    public List<LmExample> taskMix(TokenizedScenes scenes) {
        List<LmExample> out = new ArrayList<>(4 * scenes.size());
        for (int i = 0; i < scenes.size(); i++) {
            String caption = scenes.scenes().get(i).caption();
            int[] clean = scenes.clean().get(i);
            int[] degraded = scenes.degraded().get(i);
            out.add(captioning(clean, caption));
            out.add(captioning(degraded, caption));
            out.add(imageGeneration(clean, caption));
            out.add(colourAnswer(i % 2 == 0 ? clean : degraded, scenes.scenes().get(i).attributes()));
        }
        return out;
    }

    private long[] withEos(long[] ids) {
        long[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eosId;
        return out;
    }
}
