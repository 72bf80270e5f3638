package dev.iobuf.internal;

import dev.iobuf.internal.IndexRing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class StripedCacheTest {

    @ParameterizedTest(name = "{0} stripes")
    @ValueSource(ints = {1, 2, 4, 16})
    void oneThreadCanFillAndEmptyTheWholeCapacity(int stripes) {
        StripedCache cache = new StripedCache(new int[] {64, 0, 3}, stripes);
        assertThat(cache.capacity(0)).isEqualTo(64);
        assertThat(cache.capacity(1)).isZero();
        assertThat(cache.capacity(2)).isEqualTo(2); // rounded down to a power of two; shared when too small to split
        assertThat(cache.offer(1, 7)).isFalse();
        assertThat(cache.poll(1)).isEqualTo(-1);
        for (int v = 0; v < 64; v++) {
            assertThat(cache.offer(0, v)).isTrue();
        }
        assertThat(cache.offer(0, 64)).as("full").isFalse();
        Set<Integer> got = new HashSet<>();
        for (int v; (v = cache.poll(0)) >= 0; ) {
            assertThat(got.add(v)).as("polled twice: " + v).isTrue();
        }
        assertThat(got).hasSize(64);
        assertThat(cache.offer(2, 1)).isTrue();
        assertThat(cache.offer(2, 2)).isTrue();
        assertThat(cache.offer(2, 3)).isFalse();
        assertThat(cache.pollAny(2)).isEqualTo(1);
        assertThat(cache.pollAny(2)).isEqualTo(2);
        assertThat(cache.pollAny(2)).isEqualTo(-1);
    }

    @Test
    void stripesAreAPowerOfTwoCoveringTheProcessors() {
        assertThat(StripedCache.stripesFor(1)).isEqualTo(1);
        assertThat(StripedCache.stripesFor(2)).isEqualTo(2);
        assertThat(StripedCache.stripesFor(3)).isEqualTo(4);
        assertThat(StripedCache.stripesFor(64)).isEqualTo(StripedCache.MAX_STRIPES);
    }

    /**
     * Conservation and ownership: 8 threads move 48 numbers between their hands, the cache (32
     * cells) and an overflow pool; each number taken is claimed in a side table with a CAS, so a
     * number handed out twice fails at once; at the end every number is somewhere exactly once.
     */
    @ParameterizedTest(name = "{0} stripes")
    @ValueSource(ints = {1, 2, 4})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void noNumberIsEverHeldTwiceAndNoneIsLost(int stripes) throws Exception {
        int values = 48;
        StripedCache cache = new StripedCache(new int[] {32}, stripes);
        IndexRing overflow = IndexRing.forOffer(values);
        for (int v = 0; v < values; v++) {
            if (!cache.offer(0, v)) {
                overflow.put(v);
            }
        }
        AtomicIntegerArray owner = new AtomicIntegerArray(values);
        AtomicReference<String> failure = new AtomicReference<>();
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t + 1;
            all.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    int[] held = new int[4];
                    for (int i = 0; i < 200_000 && failure.get() == null; i++) {
                        int n = 0;
                        for (int k = 0; k < 1 + (i & 3); k++) {
                            int v = cache.poll(0);
                            if (v < 0) {
                                v = overflow.poll();
                            }
                            if (v < 0) {
                                break;
                            }
                            if (!owner.compareAndSet(v, 0, me)) {
                                failure.compareAndSet(null, v + " handed out while thread " + owner.get(v) + " holds it");
                                return;
                            }
                            held[n++] = v;
                        }
                        for (int k = 0; k < n; k++) {
                            owner.set(held[k], 0);
                            if (!cache.offer(0, held[k])) {
                                overflow.put(held[k]);
                            }
                        }
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e.toString());
                }
            }));
        }
        for (Thread t : all) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        Set<Integer> left = new HashSet<>();
        for (int v; (v = cache.pollAny(0)) >= 0 || (v = overflow.poll()) >= 0; ) {
            assertThat(left.add(v)).as("present twice: " + v).isTrue();
        }
        assertThat(left).hasSize(values);
    }
}
