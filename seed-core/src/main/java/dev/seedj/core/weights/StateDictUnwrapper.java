package dev.seedj.core.weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the state dict inside an unpickled checkpoint: the top-level dict itself, or the dict under
 * {@code "state_dict"} or {@code "model"} when the top level holds no tensors (as in
 * {@code torch.save({"model": sd, "optimizer": ...})}). Entries that are not tensors are skipped and logged.
 *
 * <p>Stateless; thread-safe.
 */
final class StateDictUnwrapper {
    private static final Logger LOG = LoggerFactory.getLogger(StateDictUnwrapper.class);
    private static final List<String> CONTAINER_KEYS = List.of("state_dict", "model");
    /** Enough for {"model": {"state_dict": sd}}; bounds the search in a self-referencing pickle. */
    private static final int MAX_DEPTH = 4;

    private StateDictUnwrapper() {
    }

    /**
     * @param root the unpickled object
     * @param file the checkpoint, for messages
     * @return tensor name -> tensor, in pickle order
     * @throws CheckpointException if there is no dict of tensors
     */
    static Map<String, TorchTensor> tensors(Object root, String file) {
        if (!(root instanceof Map<?, ?> dict)) {
            throw new CheckpointException(file + ": the pickle holds a " + PickleValues.kind(root)
                    + ", not a dict of tensors");
        }
        for (int depth = 0; depth < MAX_DEPTH && !hasTensor(dict); depth++) {
            Map<?, ?> inner = container(dict);
            if (inner == null) {
                break;
            }
            dict = inner;
        }
        Map<String, TorchTensor> tensors = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        for (Map.Entry<?, ?> entry : dict.entrySet()) {
            if (entry.getKey() instanceof String key && entry.getValue() instanceof TorchTensor tensor) {
                tensors.put(key, tensor);
            } else {
                skipped.add(entry.getKey() instanceof String name ? name : PickleValues.kind(entry.getKey()));
            }
        }
        if (tensors.isEmpty() && !skipped.isEmpty()) {
            throw new CheckpointException(file + ": no tensors found; the dict has only "
                    + skipped.subList(0, Math.min(skipped.size(), 20)) + (skipped.size() > 20 ? " ..." : ""));
        }
        if (!skipped.isEmpty()) {
            LOG.debug("{}: skipped {} entries that are not tensors: {}", file, skipped.size(), skipped);
        }
        return tensors;
    }

    private static boolean hasTensor(Map<?, ?> dict) {
        for (Object value : dict.values()) {
            if (value instanceof TorchTensor) {
                return true;
            }
        }
        return false;
    }

    private static Map<?, ?> container(Map<?, ?> dict) {
        for (String key : CONTAINER_KEYS) {
            if (dict.get(key) instanceof Map<?, ?> inner) {
                return inner;
            }
        }
        return null;
    }
}
