package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class KernelTeamTest {
    private final KernelTeam team = KernelTeam.shared();

    @Test
    void everyChunkRunsExactlyOnce() {
        int chunks = 1000;
        AtomicIntegerArray runs = new AtomicIntegerArray(chunks);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        int used = Math.min(2, team.maxThreads());
        team.run(used, chunks, c -> {
            runs.incrementAndGet(c);
            String self = Thread.currentThread().getName();
            threads.add(self);
            if (used > 1) {
                // each thread waits for the other in its chunks, so neither takes them all before the other starts
                // (a parked worker may take milliseconds to wake)
                awaitOtherThan(threads, self);
            }
        });
        for (int c = 0; c < chunks; c++) {
            assertEquals(1, runs.get(c), "chunk " + c);
        }
        assertEquals(team.maxThreads(), Runtime.getRuntime().availableProcessors());
        assertTrue(threads.contains(Thread.currentThread().getName()), "the caller took no chunk: " + threads);
        if (used > 1) {
            assertEquals(Set.of(Thread.currentThread().getName(), "seedj-matvec-1"), threads);
        }
    }

    @Test
    void aWorkersFailureReachesTheCaller() {
        if (team.maxThreads() == 1) {
            return; // no worker on a single-core machine
        }
        String caller = Thread.currentThread().getName();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> team.run(2, 200, c -> {
            threads.add(Thread.currentThread().getName());
            if (Thread.currentThread().getName().equals(caller)) {
                awaitOtherThan(threads, caller);
            } else {
                throw new ArithmeticException("chunk " + c);
            }
        }));
        assertSame(ArithmeticException.class, e.getCause().getClass());
        // the team still works afterwards
        AtomicIntegerArray runs = new AtomicIntegerArray(10);
        team.run(2, 10, runs::incrementAndGet);
        for (int c = 0; c < 10; c++) {
            assertEquals(1, runs.get(c));
        }
    }

    @Test
    void theCallersFailureWaitsForTheWorkers() {
        AtomicIntegerArray runs = new AtomicIntegerArray(400);
        String caller = Thread.currentThread().getName();
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> team.run(team.maxThreads(), 400, c -> {
            runs.incrementAndGet(c);
            busyMicros(20);
            if (Thread.currentThread().getName().equals(caller) && c >= 10) {
                throw new ArithmeticException("chunk " + c);
            }
        }));
        assertTrue(e.getMessage().startsWith("chunk "));
        // no worker is still running the failed product: the next one gets every chunk exactly once
        AtomicIntegerArray again = new AtomicIntegerArray(400);
        team.run(team.maxThreads(), 400, again::incrementAndGet);
        for (int c = 0; c < 400; c++) {
            assertEquals(1, again.get(c), "chunk " + c);
        }
    }

    @Test
    void concurrentCallersEachGetEveryChunk() throws InterruptedException {
        int callers = 4;
        int chunks = 300;
        AtomicIntegerArray[] runs = new AtomicIntegerArray[callers];
        CountDownLatch start = new CountDownLatch(1);
        Thread[] threads = new Thread[callers];
        Map<Integer, Throwable> failures = new ConcurrentHashMap<>();
        for (int t = 0; t < callers; t++) {
            int caller = t;
            runs[t] = new AtomicIntegerArray(chunks);
            threads[t] = new Thread(() -> {
                try {
                    start.await();
                    for (int repeat = 0; repeat < 20; repeat++) {
                        team.run(team.maxThreads(), chunks, runs[caller]::incrementAndGet);
                    }
                } catch (Throwable e) {
                    failures.put(caller, e);
                }
            });
            threads[t].start();
        }
        start.countDown();
        for (Thread t : threads) {
            t.join(60_000);
        }
        assertEquals(Map.of(), failures);
        for (AtomicIntegerArray r : runs) {
            for (int c = 0; c < chunks; c++) {
                assertEquals(20, r.get(c));
            }
        }
    }

    @Test
    void idleWorkersPark() throws InterruptedException {
        if (team.maxThreads() == 1) {
            return;
        }
        team.run(2, 100, c -> busyMicros(10));
        Thread worker = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("seedj-matvec-1")).findFirst().orElseThrow();
        // it parks SPIN_NANOS after its last chunk; a loaded machine may run it late, so allow far longer
        long end = System.nanoTime() + 500 * KernelTeam.SPIN_NANOS;
        while (worker.getState() != Thread.State.WAITING && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertEquals(Thread.State.WAITING, worker.getState(), "an idle worker keeps spinning");
        assertTrue(worker.isDaemon());
    }

    @Test
    void tooManyThreadsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> team.run(team.maxThreads() + 1, 4, c -> { }));
    }

    /** Spins until a thread other than {@code caller} has added its name (at most 10 s). */
    private static void awaitOtherThan(Set<String> threads, String caller) {
        long end = System.nanoTime() + 10_000_000_000L;
        while (threads.stream().allMatch(caller::equals) && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    private static void busyMicros(long micros) {
        long end = System.nanoTime() + micros * 1000;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
