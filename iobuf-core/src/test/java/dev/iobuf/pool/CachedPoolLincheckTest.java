package dev.iobuf.pool;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import dev.iobuf.internal.StripedCache;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Lincheck model checks of a pool with thread caches (free indices parked per stripe of threads in
 * front of the ring), at capacities 1, 2 and 4. Which free index an acquire returns depends on
 * the stripe, so the sequential specification is a count of free indices: {@code tryAcquire}
 * must fail exactly when none is free (never while one sits in another stripe's cache), and no
 * index may be handed to two owners (each acquire claims its index in a side table).
 */
class CachedPoolLincheckTest {
    private static final int MAX_THREADS = IndexRingLincheckTest.MAX_THREADS;

    public abstract static class Base {
        private final BoundedPool<Integer> pool;
        private final ArrayDeque<Integer>[] held = IndexRingLincheckTest.heldLists();
        private final AtomicIntegerArray owned;

        Base(int capacity) {
            pool = BoundedPool.create(capacity, true);
            pool.fill(i -> i);
            owned = new AtomicIntegerArray(pool.capacity());
        }

        /** "ok" with an index, "empty", or the ownership violation seen. */
        @Operation
        public String tryAcquire(@Param(gen = ThreadIdGen.class) int thread) {
            int i = pool.tryAcquire();
            if (i < 0) {
                return "empty";
            }
            if (!owned.compareAndSet(i, 0, 1)) {
                return "index " + i + " handed out twice";
            }
            held[thread].add(i);
            return "ok";
        }

        @Operation
        public String releaseHeld(@Param(gen = ThreadIdGen.class) int thread) {
            Integer i = held[thread].poll();
            if (i == null) {
                return "none held";
            }
            owned.set(i, 0);
            pool.release(i);
            return "ok";
        }
    }

    /** The sequential specification: a number of free indices. */
    public abstract static class Spec {
        private final int[] held = new int[MAX_THREADS];
        private int free;

        Spec(int capacity) {
            this.free = capacity;
        }

        public String tryAcquire(int thread) {
            if (free == 0) {
                return "empty";
            }
            free--;
            held[thread]++;
            return "ok";
        }

        public String releaseHeld(int thread) {
            if (held[thread] == 0) {
                return "none held";
            }
            held[thread]--;
            free++;
            return "ok";
        }
    }

    public static class Cap1 extends Base { public Cap1() { super(1); } }
    public static class Cap2 extends Base { public Cap2() { super(2); } }
    public static class Cap4 extends Base { public Cap4() { super(4); } }
    public static class Spec1 extends Spec { public Spec1() { super(1); } }
    public static class Spec2 extends Spec { public Spec2() { super(2); } }
    public static class Spec4 extends Spec { public Spec4() { super(4); } }

    private static void modelCheck(Class<?> test, Class<?> spec) {
        Assumptions.assumeTrue(StripedCache.STRIPES > 1, "one stripe on this machine: pools have no thread caches");
        new ModelCheckingOptions()
                .iterations(12)
                .invocationsPerIteration(1_000)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(1)
                .sequentialSpecification(spec)
                .check(test);
    }

    @Test
    void modelCheckCapacity1() {
        modelCheck(Cap1.class, Spec1.class);
    }

    @Test
    void modelCheckCapacity2() {
        modelCheck(Cap2.class, Spec2.class);
    }

    @Test
    void modelCheckCapacity4() {
        modelCheck(Cap4.class, Spec4.class);
    }
}
