package dev.iobuf.pool;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;

/**
 * Lincheck model checks of the index ring at capacities 1, 2 and 4 (a pool without thread caches):
 * every interleaving the model checker explores must be linearizable against a FIFO queue of
 * free indices.
 *
 * <p>Each thread releases only indices it acquired itself (the pool's contract for correct use);
 * releases out of range and of indices not acquired are in the operation mix as well. A release by
 * a thread that does not own the index, racing with the acquire that takes that index, is a usage
 * bug whose report (double release) is not linearizable with the acquire: it is excluded here and
 * covered by the single-threaded tests.
 */
class IndexRingLincheckTest {
    static final int MAX_THREADS = 8;

    /** Per-thread lists of held indices; each list is touched only by its own thread. */
    @SuppressWarnings("unchecked")
    static ArrayDeque<Integer>[] heldLists() {
        ArrayDeque<Integer>[] held = new ArrayDeque[MAX_THREADS];
        for (int t = 0; t < MAX_THREADS; t++) {
            held[t] = new ArrayDeque<>();
        }
        return held;
    }

    public abstract static class Base {
        private final BoundedPool<Integer> pool;
        private final ArrayDeque<Integer>[] held = heldLists();

        Base(int capacity) {
            pool = BoundedPool.create(capacity, false); // the ring alone is FIFO; CachedPoolLincheckTest checks caches
            pool.fill(i -> i);
        }

        @Operation
        public int tryAcquire(@Param(gen = ThreadIdGen.class) int thread) {
            int i = pool.tryAcquire();
            if (i >= 0) {
                held[thread].add(i);
            }
            return i;
        }

        /** Releases the oldest index this thread holds; -2 when it holds none. */
        @Operation
        public int releaseHeld(@Param(gen = ThreadIdGen.class) int thread) {
            Integer i = held[thread].poll();
            if (i == null) {
                return -2;
            }
            pool.release(i);
            return i;
        }

        /** Releases an index no thread can hold: out of range. */
        @Operation
        public String releaseOutOfRange(@Param(gen = IntGen.class, conf = "4:6") int index) {
            try {
                pool.release(index);
                return "ok";
            } catch (IllegalArgumentException e) {
                return "out of range";
            }
        }
    }

    /** The sequential specification: a FIFO queue of free indices. */
    public abstract static class Spec {
        private final ArrayDeque<Integer> free = new ArrayDeque<>();
        private final ArrayDeque<Integer>[] held = heldLists();
        private final int capacity;

        Spec(int capacity) {
            this.capacity = capacity;
            for (int i = 0; i < capacity; i++) {
                free.add(i);
            }
        }

        public int tryAcquire(int thread) {
            Integer i = free.poll();
            if (i == null) {
                return -1;
            }
            held[thread].add(i);
            return i;
        }

        public int releaseHeld(int thread) {
            Integer i = held[thread].poll();
            if (i == null) {
                return -2;
            }
            free.add(i);
            return i;
        }

        public String releaseOutOfRange(int index) {
            return index < 0 || index >= capacity ? "out of range" : "ok";
        }
    }

    public static class Cap1 extends Base { public Cap1() { super(1); } }
    public static class Cap2 extends Base { public Cap2() { super(2); } }
    public static class Cap4 extends Base { public Cap4() { super(4); } }
    public static class Spec1 extends Spec { public Spec1() { super(1); } }
    public static class Spec2 extends Spec { public Spec2() { super(2); } }
    public static class Spec4 extends Spec { public Spec4() { super(4); } }

    private static void modelCheck(Class<?> test, Class<?> spec) {
        new ModelCheckingOptions()
                .iterations(20)
                .invocationsPerIteration(1_000)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(0)
                .actorsAfter(0)
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
