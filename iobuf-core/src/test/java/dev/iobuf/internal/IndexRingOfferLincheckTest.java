package dev.iobuf.internal;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;

/**
 * Lincheck model check of {@link IndexRing}'s second way in, {@link IndexRing#offer} with
 * {@link IndexRing#poll} (the allocators' caches): every interleaving must be linearizable against
 * a FIFO queue. The other way in, {@code put} with {@code poll}, is checked through its user,
 * {@code IndexPool} ({@code dev.iobuf.pool.IndexRingLincheckTest}, capacities 1, 2 and 4).
 *
 * <p>The ring is larger than the operations can fill: offer's "full" is Vyukov's and may be
 * reported while a poller one lap behind is between its claim and its store, which a sequential
 * queue cannot express; that case is covered by the ownership stress test in {@link IndexRingTest}.
 */
class IndexRingOfferLincheckTest {

    public static class Ring {
        private final IndexRing ring = IndexRing.forOffer(16);

        @Operation
        public boolean offer(@Param(gen = IntGen.class, conf = "0:5") int value) {
            return ring.offer(value);
        }

        @Operation
        public int poll() {
            return ring.poll();
        }
    }

    /** The sequential specification: an unbounded FIFO queue (the test never fills 16 cells). */
    public static class Spec {
        private final ArrayDeque<Integer> q = new ArrayDeque<>();

        public boolean offer(int value) {
            return q.add(value);
        }

        public int poll() {
            Integer v = q.poll();
            return v == null ? -1 : v;
        }
    }

    @Test
    void offerAndPollAreLinearizable() {
        new ModelCheckingOptions()
                .iterations(30)
                .invocationsPerIteration(1_000)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(1)
                .sequentialSpecification(Spec.class)
                .check(Ring.class);
    }
}
