package dev.seedj.core.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

/**
 * The machine's memory bandwidth measured as STREAM's "copy" kernel does: every thread copies its own part of a large
 * array into another ({@code System.arraycopy}), all threads at once, and the bytes read plus written are divided by
 * the time the slowest thread took. With one thread per core this is the rate a memory-bound program using every
 * core can reach (a single thread typically reaches half of it on a server).
 *
 * <p>Stateless and thread-safe.
 */
public final class CopyBandwidth {
    private static final int ROUNDS = 10;

    private CopyBandwidth() {}

    /**
     * @param bytes total bytes of the source array (the destination has as many)
     * @param threads copying threads, usually one per core
     * @return the best of several rounds, GB/s (bytes read + written)
     */
    public static double gbs(long bytes, int threads) {
        int n = Math.toIntExact(bytes / 4);
        float[] source = new float[n];
        Arrays.fill(source, 1f);
        float[] target = new float[n];
        double best = Double.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            best = Math.min(best, copyOnce(source, target, threads));
        }
        return 2.0 * 4 * n / best / 1e9;
    }

    /**
     * @return seconds for one parallel copy of the whole array: from the first thread's start to the last thread's
     *     end, each read by the copying thread itself (a clock read by the waiting thread after the barrier may start
     *     only once the copies are done when the copying threads occupy every core)
     */
    private static double copyOnce(float[] source, float[] target, int threads) {
        CyclicBarrier start = new CyclicBarrier(threads);
        long[] begins = new long[threads];
        long[] ends = new long[threads];
        List<Thread> workers = new ArrayList<>();
        int chunk = (source.length + threads - 1) / threads;
        for (int t = 0; t < threads; t++) {
            int index = t;
            int from = Math.min(source.length, t * chunk);
            int length = Math.min(chunk, source.length - from);
            Thread worker = new Thread(() -> {
                await(start);
                begins[index] = System.nanoTime();
                System.arraycopy(source, from, target, from, length);
                ends[index] = System.nanoTime();
            });
            worker.start();
            workers.add(worker);
        }
        try {
            for (Thread worker : workers) {
                worker.join(); // join makes the workers' writes of begins and ends visible here
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return (Arrays.stream(ends).max().getAsLong() - Arrays.stream(begins).min().getAsLong()) / 1e9;
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException("copy threads failed to start together", e);
        }
    }
}
