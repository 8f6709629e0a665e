package dev.seedj.core.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A renamed or filtered view of another state dict ({@link StateDict#withPrefix}, {@link StateDict#stripPrefix},
 * {@link StateDict#filter}).
 * Closing the view closes nothing.
 *
 * <p>Immutable; as thread-safe as the underlying state dict.
 */
final class KeyMappedStateDict extends AbstractStateDict {
    private final StateDict base;
    /** view key -> base key, in the base's order. */
    private final Map<String, String> baseKeys;
    private final String description;

    private KeyMappedStateDict(StateDict base, Map<String, String> baseKeys, String description) {
        this.base = base;
        this.baseKeys = Collections.unmodifiableMap(baseKeys);
        this.description = description;
    }

    /**
     * @param base the state dict to view
     * @param prefix prepended to every key
     * @return the view
     */
    static StateDict withPrefix(StateDict base, String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        Map<String, String> keys = new LinkedHashMap<>();
        for (String key : base.keys()) {
            keys.put(prefix + key, key);
        }
        return new KeyMappedStateDict(base, keys, "view with prefix '" + prefix + "' added");
    }

    /**
     * @param base the state dict to view
     * @param prefix kept keys start with it; it is removed
     * @return the view
     */
    static StateDict stripPrefix(StateDict base, String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        Map<String, String> keys = new LinkedHashMap<>();
        for (String key : base.keys()) {
            if (key.startsWith(prefix)) {
                keys.put(key.substring(prefix.length()), key);
            }
        }
        return new KeyMappedStateDict(base, keys, "view with prefix '" + prefix + "' stripped");
    }

    /**
     * @param base the state dict to view
     * @param keep accepts the keys to keep; they keep their names
     * @return the view
     */
    static StateDict filter(StateDict base, Predicate<String> keep) {
        Objects.requireNonNull(keep, "keep");
        Map<String, String> keys = new LinkedHashMap<>();
        for (String key : base.keys()) {
            if (keep.test(key)) {
                keys.put(key, key);
            }
        }
        return new KeyMappedStateDict(base, keys, "filtered view");
    }

    @Override
    public Set<String> keys() {
        return baseKeys.keySet();
    }

    @Override
    public boolean contains(String key) {
        return baseKeys.containsKey(key);
    }

    @Override
    public TensorInfo info(String key) {
        return base.info(baseKey(key));
    }

    @Override
    public NDArray get(String key, NDManager manager) {
        return base.get(baseKey(key), manager);
    }

    @Override
    public NDArray get(String key, NDManager manager, ComputeType type) {
        return base.get(baseKey(key), manager, type);
    }

    @Override
    public float[] getFloats(String key) {
        return base.getFloats(baseKey(key));
    }

    @Override
    public void close() {
        // a view owns nothing
    }

    private String baseKey(String key) {
        String baseKey = baseKeys.get(key);
        if (baseKey == null) {
            throw new CheckpointException("no tensor named '" + key + "' in " + description);
        }
        return baseKey;
    }
}
