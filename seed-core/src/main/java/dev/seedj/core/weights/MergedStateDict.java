package dev.seedj.core.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Several state dicts seen as one: a key present in more than one source is served by the last of them.
 * Keys keep the order in which they first appeared. Closing it closes every source.
 *
 * <p>As thread-safe for reads as its sources; {@link #close()} must not race with reads.
 */
final class MergedStateDict extends AbstractStateDict {
    private final List<StateDict> sources;
    private final Map<String, StateDict> owners;

    /** @param sources in increasing priority; this object takes ownership of them */
    MergedStateDict(List<StateDict> sources) {
        this.sources = List.copyOf(sources);
        Map<String, StateDict> map = new LinkedHashMap<>();
        for (StateDict source : this.sources) {
            for (String key : source.keys()) {
                map.put(key, source);
            }
        }
        this.owners = Collections.unmodifiableMap(map);
    }

    @Override
    public Set<String> keys() {
        return owners.keySet();
    }

    @Override
    public boolean contains(String key) {
        return owners.containsKey(key);
    }

    @Override
    public TensorInfo info(String key) {
        return owner(key).info(key);
    }

    @Override
    public NDArray get(String key, NDManager manager) {
        return owner(key).get(key, manager);
    }

    @Override
    public NDArray get(String key, NDManager manager, ComputeType type) {
        return owner(key).get(key, manager, type);
    }

    @Override
    public float[] getFloats(String key) {
        return owner(key).getFloats(key);
    }

    @Override
    public void close() {
        closeAll(sources);
    }

    /**
     * Closes every state dict, even if some fail; rethrows the first failure.
     *
     * @param dicts the state dicts to close
     */
    static void closeAll(List<StateDict> dicts) {
        RuntimeException first = null;
        for (StateDict dict : new ArrayList<>(dicts)) {
            try {
                dict.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private StateDict owner(String key) {
        StateDict owner = owners.get(key);
        if (owner == null) {
            throw new CheckpointException("no tensor named '" + key + "' in any of the " + sources.size()
                    + " checkpoint sources");
        }
        return owner;
    }
}
