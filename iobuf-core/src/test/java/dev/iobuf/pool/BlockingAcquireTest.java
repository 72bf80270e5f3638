package dev.iobuf.pool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BlockingAcquireTest {

    /** Something a waiter thread does that may block and may throw. */
    interface Blocking<T> {
        T call() throws Exception;
    }

    /** A started waiter and what its call returned or threw. */
    record Waiter<T>(Thread thread, CompletableFuture<T> result) {
        Throwable failure() throws Exception {
            try {
                result.get(30, TimeUnit.SECONDS);
                return null;
            } catch (java.util.concurrent.ExecutionException e) {
                return e.getCause();
            }
        }
    }

    private static <T> Waiter<T> waiter(Thread.Builder builder, Blocking<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = builder.start(() -> {
            try {
                result.complete(call.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        return new Waiter<>(t, result);
    }

    /** Waits until {@code t} is parked without a time-out: blocked, not sleeping in steps. */
    private static void awaitParked(Thread t) throws InterruptedException {
        while (t.getState() != Thread.State.WAITING) {
            assertThat(t.isAlive()).isTrue();
            Thread.sleep(1);
        }
    }

    @Test
    void aParkedWaiterIsWokenByRelease() throws Exception {
        BoundedPool<String> pool = BoundedPool.create(1);
        pool.fill(i -> "only");
        int held = pool.acquire();
        Waiter<Integer> w = waiter(Thread.ofPlatform(), pool::acquire);
        CompletableFuture<Integer> got = w.result();
        awaitParked(w.thread()); // parked with no time-out: only a release can wake it
        assertThat(got).isNotDone();
        pool.release(held);
        assertThat(got.get(30, TimeUnit.SECONDS)).isEqualTo(held);
        assertThat(pool.stats().waits()).isEqualTo(1);
    }

    @Test
    void aWaitIsRecordedAsAJfrEvent() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("iobuf-wait", ".jfr");
        try (jdk.jfr.Recording recording = new jdk.jfr.Recording()) {
            recording.enable("dev.iobuf.PoolWait").withThreshold(java.time.Duration.ZERO);
            recording.start();
            BoundedPool<String> pool = BoundedPool.create(1);
            pool.fill(i -> "only");
            int held = pool.acquire();
            Thread waiter = Thread.ofPlatform().start(() -> {
                try {
                    pool.release(pool.acquire());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            awaitParked(waiter);
            pool.release(held);
            waiter.join();
            recording.stop();
            recording.dump(file);
            var events = jdk.jfr.consumer.RecordingFile.readAllEvents(file);
            assertThat(events).anySatisfy(e -> {
                assertThat(e.getEventType().getName()).isEqualTo("dev.iobuf.PoolWait");
                assertThat(e.getBoolean("acquired")).isTrue();
                assertThat(e.getInt("capacity")).isEqualTo(1);
            });
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void manyWaitersAreAllServedByReleases() throws Exception {
        BoundedPool<Integer> pool = BoundedPool.create(2);
        pool.fill(i -> i);
        int a = pool.acquire();
        int b = pool.acquire();
        int waiters = 6;
        Thread[] threads = new Thread[waiters];
        AtomicReference<Throwable> error = new AtomicReference<>();
        for (int w = 0; w < waiters; w++) {
            threads[w] = Thread.ofPlatform().start(() -> {
                try {
                    int i = pool.acquire();
                    pool.release(i);
                } catch (Throwable e) {
                    error.set(e);
                }
            });
        }
        for (Thread t : threads) {
            awaitParked(t);
        }
        pool.release(a);
        pool.release(b);
        for (Thread t : threads) {
            t.join();
        }
        assertThat(error.get()).isNull();
        assertThat(pool.available()).isEqualTo(2);
    }

    @Test
    void virtualThreadWaitersWork() throws Exception {
        BoundedPool<Integer> pool = BoundedPool.create(1);
        pool.fill(i -> i);
        int held = pool.acquire();
        Waiter<Integer> w = waiter(Thread.ofVirtual(), pool::acquire);
        CompletableFuture<Integer> got = w.result();
        awaitParked(w.thread());
        pool.release(held);
        assertThat(got.get(30, TimeUnit.SECONDS)).isEqualTo(held);
    }

    @Test
    void interruptingABlockedAcquireThrowsAndLeaksNothing() throws Exception {
        BoundedPool<Integer> pool = BoundedPool.create(1);
        pool.fill(i -> i);
        int held = pool.acquire();
        Waiter<Integer> w = waiter(Thread.ofPlatform(), pool::acquire);
        awaitParked(w.thread());
        w.thread().interrupt();
        assertThat(w.failure()).isInstanceOf(InterruptedException.class);
        pool.release(held);
        assertThat(pool.available()).isEqualTo(1);
        assertThat(pool.tryAcquire()).isEqualTo(held);
    }

    @Test
    void interruptBeforeAcquireOnAnEmptyPoolThrows() {
        BoundedPool<Integer> pool = BoundedPool.create(1);
        pool.fill(i -> i);
        pool.tryAcquire();
        Thread.currentThread().interrupt();
        try {
            pool.acquire();
            org.assertj.core.api.Assertions.fail("acquire on an empty pool with the interrupt flag set must throw");
        } catch (InterruptedException expected) {
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
        }
    }

    @Test
    void timedWaiterIsWokenByReleaseBeforeItsTimeout() throws Exception {
        BoundedPool<Integer> pool = BoundedPool.create(1);
        pool.fill(i -> i);
        int held = pool.acquire();
        Waiter<Integer> w = waiter(Thread.ofPlatform(), () -> pool.tryAcquire(1, TimeUnit.HOURS));
        CompletableFuture<Integer> got = w.result();
        while (w.thread().getState() != Thread.State.TIMED_WAITING) {
            Thread.sleep(1);
        }
        pool.release(held);
        assertThat(got.get(30, TimeUnit.SECONDS)).isEqualTo(held);
    }

    @Test
    void closeWakesBlockedWaiters() throws Exception {
        BoundedPool<Integer> pool = BoundedPool.create(1);
        pool.fill(i -> i);
        pool.acquire();
        Waiter<Integer> w = waiter(Thread.ofPlatform(), pool::acquire);
        awaitParked(w.thread());
        pool.close();
        assertThat(w.failure()).isInstanceOf(IllegalStateException.class);
    }
}
