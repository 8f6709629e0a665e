package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.DType;
import dev.seedj.core.weights.StateDict;
import dev.seedj.core.weights.TensorInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** A float32 state dict held in Java arrays, for loader tests. */
final class InMemoryStateDict implements StateDict {
    private final Map<String, float[]> data = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    InMemoryStateDict put(String key, float[] values, long... shape) {
        data.put(key, values);
        shapes.put(key, shape);
        return this;
    }

    LoadReport loadInto(SeedBlock block, NDManager manager) {
        return StateDictLoader.load(block, this, manager);
    }

    @Override
    public Set<String> keys() {
        return data.keySet();
    }

    @Override
    public TensorInfo info(String key) {
        if (!shapes.containsKey(key)) {
            throw new CheckpointException("no key " + key);
        }
        return new TensorInfo(DType.FLOAT32, shapes.get(key));
    }

    @Override
    public NDArray get(String key, NDManager manager) {
        return manager.create(getFloats(key), new ai.djl.ndarray.types.Shape(shapes.get(key)));
    }

    @Override
    public float[] getFloats(String key) {
        info(key);
        return data.get(key).clone();
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
    public void close() {}
}
