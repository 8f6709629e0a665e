package dev.seedj.llm.train;

import java.util.Arrays;

/**
 * One causal-LM training sequence: its token ids and, position by position, the token the loss asks the model
 * to produce there ({@link #IGNORE} where nothing is asked: the prompt). Labels are aligned with the ids, as
 * Hugging Face's {@code labels}; the loss shifts them by one position.
 *
 * <p>Immutable (the arrays are copied in and out); thread-safe.
 */
public final class LmExample {
    /** The label of a position that does not count in the loss (PyTorch's {@code ignore_index}). */
    public static final long IGNORE = -100;

    private final long[] inputIds;
    private final long[] labels;

    /**
     * @param inputIds the token ids, at least two
     * @param labels as many labels: a token id, or {@link #IGNORE}
     * @throws IllegalArgumentException for lengths that differ, fewer than two tokens, negative ids, labels other
     *     than ids or {@link #IGNORE}, or no labelled position after the first
     */
    public LmExample(long[] inputIds, long[] labels) {
        if (inputIds.length != labels.length) {
            throw new IllegalArgumentException("an example has " + inputIds.length + " input ids but "
                    + labels.length + " labels");
        }
        if (inputIds.length < 2) {
            throw new IllegalArgumentException("an example needs at least two tokens, got " + inputIds.length);
        }
        boolean anyTarget = false;
        for (int i = 0; i < inputIds.length; i++) {
            if (inputIds[i] < 0) {
                throw new IllegalArgumentException("negative token id " + inputIds[i] + " at position " + i);
            }
            if (labels[i] < 0 && labels[i] != IGNORE) {
                throw new IllegalArgumentException("label " + labels[i] + " at position " + i
                        + " is neither a token id nor " + IGNORE);
            }
            anyTarget |= i > 0 && labels[i] != IGNORE;
        }
        if (!anyTarget) {
            throw new IllegalArgumentException("an example has no target token (every label after the first"
                    + " position is " + IGNORE + ")");
        }
        this.inputIds = inputIds.clone();
        this.labels = labels.clone();
    }

    /**
     * A prompt followed by the target the model should learn to continue it with: the loss covers the target
     * only.
     *
     * @param prompt the context ids (e.g. BOS, text, an image's {@code <img> ... </img>} tokens), not empty
     * @param target the ids to learn (e.g. a caption and EOS), not empty
     * @return the example
     */
    public static LmExample promptTarget(long[] prompt, long[] target) {
        if (prompt.length == 0 || target.length == 0) {
            throw new IllegalArgumentException("prompt and target must both be non-empty (got " + prompt.length
                    + " and " + target.length + " tokens)");
        }
        long[] ids = new long[prompt.length + target.length];
        long[] labels = new long[ids.length];
        System.arraycopy(prompt, 0, ids, 0, prompt.length);
        System.arraycopy(target, 0, ids, prompt.length, target.length);
        Arrays.fill(labels, 0, prompt.length, IGNORE);
        System.arraycopy(target, 0, labels, prompt.length, target.length);
        return new LmExample(ids, labels);
    }

    /** @return the token ids */
    public long[] inputIds() {
        return inputIds.clone();
    }

    /** @return the labels, aligned with the ids */
    public long[] labels() {
        return labels.clone();
    }

    /** @return the number of tokens */
    public int length() {
        return inputIds.length;
    }

    long inputId(int i) {
        return inputIds[i];
    }

    long label(int i) {
        return labels[i];
    }
}
