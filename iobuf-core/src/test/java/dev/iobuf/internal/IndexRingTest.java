package dev.iobuf.internal;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class IndexRingTest {

    @ParameterizedTest(name = "requested capacity {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void fillsToCapacityThenRefusesAndDrainsInOrder(int requested) {
        IndexRing ring = IndexRing.forOffer(requested);
        int n = ring.capacity();
        assertThat(n).isGreaterThanOrEqualTo(Math.max(2, requested)).isEqualTo(Integer.bitCount(n) == 1 ? n : -1);
        for (int lap = 0; lap < 5; lap++) {
            assertThat(ring.poll()).isEqualTo(-1);
            for (int i = 0; i < n; i++) {
                assertThat(ring.offer(lap * 100 + i)).isTrue();
            }
            assertThat(ring.offer(999)).as("full").isFalse();
            assertThat(ring.size()).isEqualTo(n);
            for (int i = 0; i < n; i++) {
                assertThat(ring.poll()).isEqualTo(lap * 100 + i);
            }
            assertThat(ring.size()).isZero();
        }
        // Interleaved single offers and polls go round many laps.
        for (int i = 0; i < 1000; i++) {
            assertThat(ring.offer(i)).isTrue();
            assertThat(ring.poll()).isEqualTo(i);
        }
    }

    /** Every value offered is polled exactly once, under contention, with the ring often full. */
    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {2, 4, 64})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentOffersAndPollsLoseAndDuplicateNothing(int capacity) throws Exception {
        final int threads = 4;
        final int values = 4096; // value v owned by whoever holds it: a thread, or the ring
        final int rounds = 200_000;
        IndexRing ring = IndexRing.forOffer(capacity);
        AtomicIntegerArray inRing = new AtomicIntegerArray(values);
        AtomicReference<String> failure = new AtomicReference<>();
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> ts = new ArrayList<>();
        List<List<Integer>> held = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<Integer> mine = new ArrayList<>();
            for (int v = t; v < values; v += threads) {
                mine.add(v);
            }
            held.add(mine);
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int r = 0; r < rounds && failure.get() == null; r++) {
                        if (!mine.isEmpty() && (r & 1) == 0) {
                            int v = mine.getLast();
                            if (!inRing.compareAndSet(v, 0, 1)) {
                                failure.set("value " + v + " offered while already in the ring");
                            }
                            if (ring.offer(v)) {
                                mine.removeLast();
                            } else {
                                inRing.set(v, 0);
                            }
                        } else {
                            int v = ring.poll();
                            if (v >= 0) {
                                if (!inRing.compareAndSet(v, 1, 0)) {
                                    failure.set("value " + v + " polled but was not in the ring");
                                }
                                mine.add(v);
                            }
                        }
                    }
                } catch (Exception e) {
                    failure.set(e.toString());
                }
            }));
        }
        for (Thread t : ts) {
            t.join(TimeUnit.SECONDS.toMillis(50));
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(failure.get()).isNull();
        int v;
        int polled = 0;
        while ((v = ring.poll()) >= 0) {
            held.getFirst().add(v);
            polled++;
        }
        assertThat(polled).isLessThanOrEqualTo(ring.capacity());
        assertThat(held.stream().flatMap(List::stream).sorted().toList())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, values).boxed().toList());
    }

    @Test
    void rejectsCapacityOutOfRange() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> IndexRing.forOffer(0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
