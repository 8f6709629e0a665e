package dev.seedj.tokenizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.StateDict;
import dev.seedj.core.weights.TensorInfo;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Predicate;

/** A view of a state dict without the keys a predicate rejects (to simulate incomplete checkpoints). */
final class FilteredStateDict implements StateDict {
    private final StateDict source;
    private final Set<String> keys = new LinkedHashSet<>();

    FilteredStateDict(StateDict source, Predicate<String> keep) {
        this.source = source;
        for (String key : source.keys()) {
            if (keep.test(key)) {
                keys.add(key);
            }
        }
    }

    @Override
    public Set<String> keys() {
        return keys;
    }

    @Override
    public TensorInfo info(String key) {
        return source.info(present(key));
    }

    @Override
    public NDArray get(String key, NDManager manager) {
        return source.get(present(key), manager);
    }

    @Override
    public float[] getFloats(String key) {
        return source.getFloats(present(key));
    }

    @Override
    public StateDict withPrefix(String prefix) {
        throw new UnsupportedOperationException();
    }

    @Override
    public StateDict stripPrefix(String prefix) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
        source.close();
    }

    private String present(String key) {
        if (!keys.contains(key)) {
            throw new CheckpointException("no tensor " + key);
        }
        return key;
    }
}
