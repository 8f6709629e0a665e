package dev.seedj.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.nn.ArrayScopes;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hugging Face's {@code resize_token_embeddings(n, mean_resizing=True)} on an {@link OptModel}: rows of
 * {@code embed_tokens} (and of a separate {@code lm_head}) are kept, new rows are the mean of the old rows,
 * surplus rows are dropped; the network is rebuilt at the new size around the same other arrays.
 *
 * <p>Stateless and thread-safe; the model must not be used concurrently while it is resized.
 */
final class OptEmbeddingResize {
    private static final Logger LOG = LoggerFactory.getLogger(OptEmbeddingResize.class);

    private OptEmbeddingResize() {}

    /**
     * @param model the model (without open derived models)
     * @param newSize the new number of rows, positive
     */
    static void resize(OptModel model, int newSize) {
        OptConfig config = model.config();
        if (newSize == config.vocabSize()) {
            return;
        }
        OptForCausalLm net = model.network();
        NDManager manager = model.manager();
        Map<String, NDArray> arrays = OptCheckpoints.arrays(net);
        String embed = net.embedTokensKey();
        String head = net.lmHeadKey();
        NDArray oldEmbed = arrays.get(embed);
        arrays.put(embed, resizedRows(oldEmbed, newSize, manager));
        NDArray oldHead = arrays.get(head);
        if (oldHead != null) {
            arrays.put(head, resizedRows(oldHead, newSize, manager));
        }
        OptConfig resized = config.withVocabSize(newSize);
        OptForCausalLm rebuilt = OptModel.build(resized, net.hasSeparateLmHead(), model.appliedSites());
        OptCheckpoints.attach(rebuilt, arrays);
        LOG.info("resized the token embeddings from {} to {} rows", config.vocabSize(), newSize);
        model.replaceNetwork(resized, rebuilt);
        closeIfOwned(oldEmbed, manager);
        if (oldHead != null) {
            closeIfOwned(oldHead, manager);
        }
    }

    private static NDArray resizedRows(NDArray old, int newSize, NDManager manager) {
        long oldSize = old.getShape().get(0);
        try (NDManager scope = manager.newSubManager()) {
            NDArray out;
            if (newSize < oldSize) {
                NDArray kept = ArrayScopes.adopt(old.get("0:" + newSize), scope); // [newSize, dim]
                out = kept.duplicate();
            } else {
                NDArray mean = ArrayScopes.adopt(old.mean(new int[] {0}, true), scope); // [1, dim]
                NDArray extra = ArrayScopes.adopt(mean.repeat(0, newSize - oldSize), scope); // [newSize - oldSize, dim]
                out = old.concat(extra, 0); // [newSize, dim]
            }
            return ArrayScopes.adopt(out, manager);
        }
    }

    /** Frees a replaced matrix if the model created it (a loaded or resized one), never a borrowed one. */
    private static void closeIfOwned(NDArray array, NDManager manager) {
        if (array.getManager() == manager) {
            array.close();
        }
    }
}
