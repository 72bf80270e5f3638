package dev.iobuf.pool;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test that would have caught both published pool bugs (a slot taken one lap late, an index
 * handed to two owners; see the notes of IndexRing): many
 * threads claim every index they acquire in a side table with a CAS, and fail on the first index
 * found already owned. Then every index must be back in the pool exactly once.
 */
class OwnershipStressTest {
    private static final int THREADS = 8;
    private static final int OPS_PER_THREAD = 500_000;

    @ParameterizedTest(name = "capacity {0}, thread caches {1}")
    @CsvSource({"1, true", "2, true", "3, true", "64, true", "1, false", "2, false", "64, false"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void noIndexIsEverOwnedTwice(int requested, boolean caches) throws Exception {
        BoundedPool<Integer> pool = BoundedPool.create(requested, caches);
        pool.fill(i -> i);
        int capacity = pool.capacity();
        AtomicIntegerArray owner = new AtomicIntegerArray(capacity); // 0 = free, else thread id + 1
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong ops = new AtomicLong();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            final int me = t + 1;
            threads.add(Thread.ofPlatform().name("owner-" + t).start(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                int[] held = new int[capacity];
                int count = 0;
                try {
                    start.await();
                    for (int op = 0; op < OPS_PER_THREAD && failure.get() == null; op++) {
                        boolean take = count == 0 || (count < capacity && rnd.nextBoolean());
                        if (take) {
                            int mode = rnd.nextInt(8);
                            int i = mode == 0 && count == 0 ? pool.acquire()
                                    : mode == 1 ? pool.tryAcquire(50, TimeUnit.MICROSECONDS)
                                    : pool.tryAcquire();
                            if (i < 0) {
                                continue;
                            }
                            if (!owner.compareAndSet(i, 0, me)) {
                                failure.compareAndSet(null, "index " + i + " handed to thread " + me
                                        + " while owned by thread " + owner.get(i));
                                return;
                            }
                            held[count++] = i;
                        } else {
                            int k = rnd.nextInt(count);
                            int i = held[k];
                            held[k] = held[--count];
                            if (!owner.compareAndSet(i, me, 0)) {
                                failure.compareAndSet(null, "thread " + me + " lost index " + i);
                                return;
                            }
                            pool.release(i);
                        }
                        ops.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e.toString());
                } finally {
                    for (int k = 0; k < count; k++) {
                        owner.set(held[k], 0);
                        pool.release(held[k]);
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(ops.get()).isGreaterThan(THREADS * (long) OPS_PER_THREAD / 4);
        // Conservation: every index is back exactly once.
        assertThat(pool.available()).isEqualTo(capacity);
        Set<Integer> back = new HashSet<>();
        for (int k = 0; k < capacity; k++) {
            int i = pool.tryAcquire();
            assertThat(i).isBetween(0, capacity - 1);
            assertThat(back.add(i)).as("index %d returned twice", i).isTrue();
        }
        assertThat(pool.tryAcquire()).isEqualTo(-1);
        PoolStats s = pool.stats();
        assertThat(s.acquires() - capacity).isEqualTo(s.releases());
    }
}
