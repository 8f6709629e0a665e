package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The keys and values of every attention layer for the tokens seen so far, so that incremental decoding
 * projects only the new tokens. Arrays are [B, H, T, D] and owned by the cache's own manager; appending
 * frees the previous arrays, so a long generation loop keeps one copy per layer.
 *
 * <p>Not thread-safe: one cache belongs to one generation.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;

    /**
     * @param parent the manager under which the cache opens its own sub-manager
     * @param numLayers number of attention layers
     */
    public KvCache(NDManager parent, int numLayers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[numLayers];
        this.values = new NDArray[numLayers];
    }

    /**
     * Appends new keys and values of one layer along the time axis.
     *
     * @param layer layer index
     * @param newKeys [B, H, Tnew, D]
     * @param newValues [B, H, Tnew, D]
     * @return {@code {keys, values}}, each [B, H, Tpast + Tnew, D], owned by the cache
     */
    public NDArray[] append(int layer, NDArray newKeys, NDArray newValues) {
        NDArray k = keys[layer] == null ? ReducedPrecision.duplicate(newKeys) : keys[layer].concat(newKeys, 2);
        NDArray v = values[layer] == null ? ReducedPrecision.duplicate(newValues) : values[layer].concat(newValues, 2);
        k.attach(manager);
        v.attach(manager);
        if (keys[layer] != null) {
            keys[layer].close();
            values[layer].close();
        }
        keys[layer] = k;
        values[layer] = v;
        return new NDArray[] {k, v};
    }

    /**
     * Keeps only the given batch rows, in the given order (beam search reorders hypotheses).
     *
     * @param batchIndices int64 [B'] rows to keep
     */
    public void reorder(NDArray batchIndices) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                NDArray k = keys[i].get(batchIndices);
                NDArray v = values[i].get(batchIndices);
                k.attach(manager);
                v.attach(manager);
                keys[i].close();
                values[i].close();
                keys[i] = k;
                values[i] = v;
            }
        }
    }

    /** @return number of cached time steps (0 before the first append) */
    public long length() {
        return keys[0] == null ? 0 : keys[0].getShape().get(2);
    }

    /**
     * @param layer layer index
     * @return cached keys [B, H, T, D], or null before the first append
     */
    public NDArray keys(int layer) {
        return keys[layer];
    }

    /**
     * @param layer layer index
     * @return cached values [B, H, T, D], or null before the first append
     */
    public NDArray values(int layer) {
        return values[layer];
    }

    @Override
    public void close() {
        manager.close();
    }
}
