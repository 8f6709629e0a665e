package dev.seedj.core.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * Endless batches of examples in a seeded shuffled order, reshuffled every epoch; an epoch's last incomplete
 * batch is dropped ({@code drop_last=True}, as LAVIS's training loaders). The order of epoch {@code e} depends only
 * on the seed and {@code e} ({@link java.util.Random}, whose algorithm is fixed by its specification), so a
 * {@link DataPosition} is enough to resume exactly, also in another JVM.
 *
 * <p>Not thread-safe.
 *
 * @param <T> the example type
 */
public final class BatchIterator<T> implements BatchSource<List<T>> {
    private final int size;
    private final IntFunction<T> loader;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private long epoch;
    private int offset;
    private int[] order;
    private long orderEpoch = -1;

    /**
     * @param size number of examples
     * @param loader loads example {@code i}, 0 &le; i &lt; size
     * @param batchSize examples per batch, at most {@code size}
     * @param seed shuffling seed
     * @param shuffle false: every epoch in index order
     * @throws IllegalArgumentException if the batch size is not in [1, size]
     */
    public BatchIterator(int size, IntFunction<T> loader, int batchSize, long seed, boolean shuffle) {
        if (batchSize < 1 || batchSize > size) {
            throw new IllegalArgumentException("batch size must be in [1, " + size + "] (the number of examples),"
                    + " got " + batchSize);
        }
        this.size = size;
        this.loader = loader;
        this.batchSize = batchSize;
        this.seed = seed;
        this.shuffle = shuffle;
    }

    /**
     * Shuffled batches of an image-text dataset.
     *
     * @param dataset the examples
     * @param batchSize examples per batch
     * @param seed shuffling seed
     * @return the iterator
     */
    public static BatchIterator<ImageTextExample> of(ImageTextDataset dataset, int batchSize, long seed) {
        return new BatchIterator<>(dataset.size(), dataset::get, batchSize, seed, true);
    }

    /** @return full batches per epoch */
    public int batchesPerEpoch() {
        return size / batchSize;
    }

    @Override
    public List<T> next() {
        if (offset + batchSize > size) {
            epoch++;
            offset = 0;
        }
        int[] idx = orderOf(epoch);
        List<T> batch = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++) {
            batch.add(loader.apply(idx[offset + i]));
        }
        offset += batchSize;
        return batch;
    }

    @Override
    public DataPosition position() {
        return new DataPosition(epoch, offset);
    }

    @Override
    public void seek(DataPosition position) {
        if (position.offset() > size) {
            throw new IllegalArgumentException("data position " + position + " is beyond the " + size
                    + " examples of an epoch (was the dataset changed?)");
        }
        epoch = position.epoch();
        offset = (int) position.offset();
    }

    /**
     * @param e an epoch
     * @return its example order (a permutation of 0..size-1)
     */
    int[] orderOf(long e) {
        if (orderEpoch != e) {
            int[] idx = new int[size];
            for (int i = 0; i < size; i++) {
                idx[i] = i;
            }
            if (shuffle) {
                Random random = new Random(seed * 0x9E3779B97F4A7C15L + e);
                for (int i = size - 1; i > 0; i--) { // Fisher-Yates
                    int j = random.nextInt(i + 1);
                    int t = idx[i];
                    idx[i] = idx[j];
                    idx[j] = t;
                }
            }
            order = idx;
            orderEpoch = e;
        }
        return order;
    }
}
