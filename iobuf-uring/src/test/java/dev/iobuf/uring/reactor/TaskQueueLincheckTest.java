package dev.iobuf.uring.reactor;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Lincheck model check of {@link TaskQueue}, the event loop's multi-producer single-consumer queue:
 * producers offer from any thread; the one consumer drains the way the loop does, polling until
 * {@link TaskQueue#isEmpty()} (the volatile read of the tail its wake-up protocol relies on) says
 * nothing is left. Every interleaving must be linearizable against a FIFO queue whose drain takes
 * everything offered before it, in order.
 *
 * <p>{@code poll} alone may return null while a task offered later is already published behind
 * one still being written (Vyukov's queue); the drain's {@code isEmpty} check is what makes the
 * loop not lose it, and that is what this test checks. The queue is larger than the offers can
 * fill, so "full" does not arise (it is reported only when a lap's cell is still occupied).
 */
class TaskQueueLincheckTest {

    /** A task that only names itself. */
    record Task(int id) implements Runnable {
        @Override
        public void run() {
        }
    }

    public static class Queue {
        private final TaskQueue q = new TaskQueue(16);

        @Operation
        public boolean offer(@Param(gen = IntGen.class, conf = "0:9") int id) {
            return q.offer(new Task(id));
        }

        /** The loop's drain: poll until empty, spinning over a cell claimed but not yet published. */
        @Operation(nonParallelGroup = "consumer")
        public List<Integer> drain() {
            List<Integer> out = new ArrayList<>();
            while (!q.isEmpty()) {
                Runnable r = q.poll();
                if (r != null) {
                    out.add(((Task) r).id());
                } else {
                    Thread.onSpinWait();
                }
            }
            return out;
        }
    }

    /** The sequential specification. */
    public static class Spec {
        private final ArrayDeque<Integer> q = new ArrayDeque<>();

        public boolean offer(int id) {
            return q.add(id);
        }

        public List<Integer> drain() {
            List<Integer> out = new ArrayList<>(q);
            q.clear();
            return out;
        }
    }

    @Test
    void offersAndTheLoopsDrainAreLinearizable() {
        new ModelCheckingOptions()
                .iterations(30)
                .invocationsPerIteration(1_000)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(0)
                .actorsAfter(1)
                .sequentialSpecification(Spec.class)
                .check(Queue.class);
    }
}
