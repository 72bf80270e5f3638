package dev.iobuf.pool;

import dev.iobuf.internal.StripedCache;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract of a pool with thread caches: indices parked in one stripe's cache are found by
 * threads of every other stripe, wake blocked acquirers and count as available; thousands of
 * virtual threads take and give back without two owners; closing with indices parked works.
 */
@Timeout(120)
class ThreadCachesTest {

    /** A platform thread, not started, whose stripe is {@code stripe} (a thread's id is fixed when it is made). */
    private static Thread onStripeUnstarted(int stripe, Runnable body) {
        for (;;) {
            Thread t = Thread.ofPlatform().unstarted(body);
            if (((int) t.threadId() & (StripedCache.STRIPES - 1)) == stripe) {
                return t;
            }
        }
    }

    /** Runs {@code task} on a platform thread whose stripe is {@code stripe}, and returns its result. */
    private static <T> T onStripe(int stripe, Supplier<T> task) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = onStripeUnstarted(stripe, () -> {
            try {
                result.complete(task.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        t.start();
        t.join();
        return result.get();
    }

    @Test
    void tryAcquireNeverSaysEmptyWhileAnIndexSitsInAnotherStripesCache() throws Exception {
        Assumptions.assumeTrue(StripedCache.STRIPES > 1, "one stripe on this machine: no cache");
        BoundedPool<Integer> pool = BoundedPool.create(4, true);
        pool.fill(i -> i);
        // stripe 0 takes all four and gives two back: they park in stripe 0's cache
        int[] taken = onStripe(0, () -> new int[] {pool.tryAcquire(), pool.tryAcquire(), pool.tryAcquire(), pool.tryAcquire()});
        assertThat(taken).doesNotContain(-1);
        onStripe(0, () -> {
            pool.release(taken[0]);
            pool.release(taken[1]);
            return null;
        });
        assertThat(pool.available()).isEqualTo(2);
        // stripe 1 finds them, then and only then says empty
        int[] got = onStripe(1, () -> new int[] {pool.tryAcquire(), pool.tryAcquire(), pool.tryAcquire()});
        assertThat(got[0]).isIn(taken[0], taken[1]);
        assertThat(got[1]).isIn(taken[0], taken[1]).isNotEqualTo(got[0]);
        assertThat(got[2]).isEqualTo(-1);
        PoolStats s = pool.stats();
        assertThat(s.inUse()).isEqualTo(4);
        assertThat(s.acquires()).isEqualTo(6);
        assertThat(s.releases()).isEqualTo(2);
        assertThat(s.failedTries()).isEqualTo(1);
    }

    @Test
    void aReleaseIntoAnotherStripesCacheWakesABlockedAcquirer() throws Exception {
        Assumptions.assumeTrue(StripedCache.STRIPES > 1, "one stripe on this machine: no cache");
        BufferPool pool = BufferPool.create(Tier.PICO, 2);
        try {
            int[] both = onStripe(0, () -> new int[] {pool.tryAcquire(), pool.tryAcquire()});
            assertThat(both).doesNotContain(-1);
            CompletableFuture<Integer> waiter = new CompletableFuture<>();
            Thread t = onStripeUnstarted(1, () -> {
                try {
                    waiter.complete(pool.acquire()); // its stripe and the ring are empty: it blocks
                } catch (Throwable e) {
                    waiter.completeExceptionally(e);
                }
            });
            t.start();
            while (t.getState() != Thread.State.WAITING) {
                Thread.onSpinWait(); // until it is parked in acquire (nothing is free, so it will be)
            }
            onStripe(0, () -> {
                pool.release(both[1]); // into stripe 0's cache, not the waiter's
                return null;
            });
            assertThat(waiter.get(60, TimeUnit.SECONDS)).isEqualTo(both[1]);
            t.join();
            onStripe(0, () -> {
                pool.release(both[0]);
                pool.release(both[1]);
                return null;
            });
            assertThat(pool.available()).isEqualTo(2);
        } finally {
            pool.close();
        }
    }

    @Test
    void tenThousandVirtualThreadsTakeAndGiveBackWithOneOwnerEach() throws Exception {
        BufferPool pool = BufferPool.create(Tier.PICO, 64);
        int capacity = pool.capacity();
        AtomicIntegerArray owner = new AtomicIntegerArray(capacity);
        AtomicReference<String> failure = new AtomicReference<>();
        int rounds = 50;
        try (ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int v = 0; v < 10_000; v++) {
                final int me = v + 1;
                all.add(vts.submit(() -> {
                    for (int r = 0; r < rounds && failure.get() == null; r++) {
                        int i;
                        try {
                            i = pool.acquire();
                        } catch (InterruptedException e) {
                            failure.compareAndSet(null, "interrupted");
                            return;
                        }
                        if (!owner.compareAndSet(i, 0, me)) {
                            failure.compareAndSet(null, "index " + i + " handed to " + me + " while owned by " + owner.get(i));
                            return;
                        }
                        pool.segment(i).set(java.lang.foreign.ValueLayout.JAVA_INT, 0, me);
                        Thread.yield();
                        if (pool.segment(i).get(java.lang.foreign.ValueLayout.JAVA_INT, 0) != me) {
                            failure.compareAndSet(null, "buffer " + i + " written by another owner");
                        }
                        owner.set(i, 0);
                        pool.release(i);
                    }
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        }
        assertThat(failure.get()).isNull();
        assertThat(pool.available()).isEqualTo(capacity);
        PoolStats s = pool.stats();
        assertThat(s.inUse()).isZero();
        assertThat(s.acquires()).isEqualTo(10_000L * rounds);
        assertThat(s.releases()).isEqualTo(10_000L * rounds);
        pool.close();
    }

    @Test
    void closingWithIndicesParkedInCachesWorks() throws Exception {
        BufferPool pool = BufferPool.create(Tier.PICO, 8);
        int[] idx = new int[8];
        for (int k = 0; k < 8; k++) {
            idx[k] = pool.acquire();
        }
        for (int k = 0; k < 8; k++) {
            pool.release(idx[k]); // some park in this thread's stripe, the rest in the ring
        }
        assertThat(pool.available()).isEqualTo(8);
        pool.close();
        assertThat(pool.stats().inUse()).isZero();
        assertThatThrownBy(pool::tryAcquire).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.release(idx[0])).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aDoubleReleaseRacingIsCaughtExactlyWithCaches() throws Exception {
        BoundedPool<Integer> pool = BoundedPool.create(16, true);
        pool.fill(i -> i);
        for (int round = 0; round < 2_000; round++) {
            int i = pool.tryAcquire();
            CompletableFuture<Boolean> x = new CompletableFuture<>();
            CompletableFuture<Boolean> y = new CompletableFuture<>();
            Thread tx = Thread.ofPlatform().start(() -> x.complete(tryRelease(pool, i)));
            Thread ty = Thread.ofPlatform().start(() -> y.complete(tryRelease(pool, i)));
            tx.join();
            ty.join();
            assertThat(x.get() ^ y.get()).as("exactly one of two racing releases of index %d succeeds", i).isTrue();
        }
        assertThat(pool.available()).isEqualTo(16);
    }

    private static boolean tryRelease(BoundedPool<Integer> pool, int i) {
        try {
            pool.release(i);
            return true;
        } catch (IllegalStateException doubleRelease) {
            return false;
        }
    }
}
