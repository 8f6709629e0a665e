package dev.seedj.core.nn;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The threads that help a decoding step's caller with {@link MatVec}'s split products: the calling thread and daemon
 * workers take chunks of rows until none is left, and the workers keep spinning for {@link #SPIN_NANOS} afterwards.
 *
 * <p>Why spin: a decoding step is a chain of products of 0.05 to 1 ms each, separated by libtorch operations of a few
 * microseconds. A parked worker takes tens of microseconds to wake, on a virtual machine sometimes milliseconds:
 * with a pool of parked workers the calling thread of an OPT-125m decode waited for its helper for 2-6% of each step
 * once the JIT had settled, and far longer before, on the 2-core benchmark machine. A spinning worker holds its core,
 * starts within a microsecond, and parks when the steps stop (after {@value #SPIN_NANOS} ns without work), so an idle
 * model costs no processor time.
 *
 * <p>Thread-safe: one product at a time uses the team; a product that finds it busy (another thread decoding at the
 * same moment) runs on its calling thread alone rather than over-subscribing the cores.
 */
final class KernelTeam {
    /** How long a worker spins for its next part before it parks. */
    static final long SPIN_NANOS = 2_000_000;
    private static final KernelTeam SHARED = new KernelTeam(Math.max(0,
            Runtime.getRuntime().availableProcessors() - 1));

    private final Worker[] workers;
    private final ReentrantLock busy = new ReentrantLock();

    private KernelTeam(int size) {
        workers = new Worker[size];
        for (int i = 0; i < size; i++) {
            workers[i] = new Worker("seedj-matvec-" + (i + 1));
        }
    }

    /** @return the process's team: one worker per available processor besides the caller's */
    static KernelTeam shared() {
        return SHARED;
    }

    /** @return the most threads {@link #run} uses: the workers plus the calling thread */
    int maxThreads() {
        return workers.length + 1;
    }

    /**
     * Runs {@code chunk.accept(c)} for every {@code 0 <= c < chunks} on this thread and {@code threads - 1} workers,
     * each taking the next chunk not yet taken, and returns when all are done. Taking chunks rather than a fixed share
     * keeps both threads busy to the end when one core is slower (a virtual machine's cores often are, by a varying
     * amount). When another thread is using the team, every chunk runs on this thread.
     *
     * @param threads how many threads, at most {@link #maxThreads()}
     * @param chunks how many chunks
     * @param chunk the work of one chunk; must be safe to call from several threads at once for different chunks
     * @throws RuntimeException what a chunk threw on this thread, or an {@link IllegalStateException} wrapping what
     *     one threw on a worker (the other threads take no further chunk once this thread's chunk failed)
     */
    void run(int threads, int chunks, IntConsumer chunk) {
        if (threads > maxThreads()) {
            throw new IllegalArgumentException(threads + " threads for a team of " + maxThreads());
        }
        if (threads == 1 || chunks == 1 || !busy.tryLock()) {
            for (int c = 0; c < chunks; c++) {
                chunk.accept(c);
            }
            return;
        }
        try {
            AtomicInteger next = new AtomicInteger();
            Runnable share = () -> {
                for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                    chunk.accept(c);
                }
            };
            for (int w = 0; w < threads - 1; w++) {
                workers[w].start(share);
            }
            Throwable callerFailure = null;
            try {
                share.run();
            } catch (RuntimeException | Error e) {
                callerFailure = e;
                next.set(chunks); // the workers take no further chunk
            }
            for (int w = 0; w < threads - 1; w++) {
                workers[w].await(); // before the team is released, also when this thread failed
            }
            if (callerFailure instanceof Error e) {
                throw e;
            } else if (callerFailure != null) {
                throw (RuntimeException) callerFailure;
            }
            for (int w = 0; w < threads - 1; w++) {
                workers[w].throwIfFailed();
            }
        } finally {
            busy.unlock();
        }
    }

    /** One daemon thread running the work it is given, one at a time. */
    private static final class Worker implements Runnable {
        private final Thread thread;
        /** The work to run, set by the caller and cleared by the worker when done. */
        private volatile Runnable task;
        private volatile boolean parked;
        private volatile Throwable failure;

        Worker(String name) {
            thread = new Thread(this, name);
            thread.setDaemon(true);
            thread.start();
        }

        void start(Runnable work) {
            failure = null;
            task = work;
            if (parked) {
                LockSupport.unpark(thread);
            }
        }

        /** Spins until the worker is done with its work. */
        void await() {
            while (task != null) {
                Thread.onSpinWait();
            }
        }

        /** @throws IllegalStateException wrapping what the last work threw */
        void throwIfFailed() {
            Throwable t = failure;
            if (t != null) {
                throw new IllegalStateException("matrix-vector product failed on " + thread.getName() + ": " + t, t);
            }
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (true) {
                Runnable work = task;
                if (work != null) {
                    try {
                        work.run();
                    } catch (Throwable t) { // reported to the caller, which rethrows it
                        failure = t;
                    }
                    task = null;
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    if (task == null) { // checked after announcing the park: start() then unparks this thread
                        LockSupport.park(this);
                    }
                    parked = false;
                }
            }
        }
    }
}
