package dev.iobuf.uring.reactor;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded lock-free queue of tasks: many producers, one consumer (the loop thread).
 * {@link #offer} and {@link #poll} allocate nothing.
 */
final class TaskQueue {
    /*
     * Implementation notes.
     *
     * Dmitry Vyukov's bounded MPMC array queue, used with one consumer. Cell i carries a sequence
     * number: seq == pos means free for the producer that claims position pos (by CAS on tail);
     * seq == pos + 1 means filled for the consumer at pos. The producer writes the item, then
     * store-releases seq; the consumer load-acquires seq before reading the item, then
     * store-releases seq = pos + capacity to hand the cell to the producer one lap later. A full
     * queue shows seq < pos to a producer, which then fails instead of waiting.
     *
     * isEmpty() compares head with a volatile read of tail: the loop relies on it after its own
     * volatile write of `awake` (see EventLoop), the Dekker pattern. It must read tail, the word
     * the producer writes with its CAS (a volatile write) before it reads `awake`; the cell's
     * sequence is only store-released, and a release store followed by the producer's load of
     * `awake` may be reordered, which would lose the wake-up. A claimed but not yet published cell
     * makes isEmpty() false, so the loop does not block and polls again.
     */
    private final int mask;
    private final AtomicReferenceArray<Runnable> items;
    private final AtomicLongArray seq;
    private final AtomicLong tail = new AtomicLong();
    private long head;

    TaskQueue(int capacity) {
        if (capacity < 2 || capacity > (1 << 24)) {
            throw new IllegalArgumentException("task queue capacity must be 2..2^24, got " + capacity);
        }
        int cap = Integer.highestOneBit(capacity - 1) << 1;
        mask = cap - 1;
        items = new AtomicReferenceArray<>(cap);
        seq = new AtomicLongArray(cap);
        for (int i = 0; i < cap; i++) {
            seq.set(i, i);
        }
    }

    int capacity() {
        return mask + 1;
    }

    /** Adds {@code task}; false when the queue is full. Any thread. */
    boolean offer(Runnable task) {
        long pos = tail.get();
        for (;;) {
            int i = (int) (pos & mask);
            long dif = seq.get(i) - pos;
            if (dif == 0) {
                if (tail.compareAndSet(pos, pos + 1)) {
                    items.setPlain(i, task);
                    seq.setRelease(i, pos + 1);
                    return true;
                }
                pos = tail.get();
            } else if (dif < 0) {
                return false;
            } else {
                pos = tail.get();
            }
        }
    }

    /** The oldest task, or null. Consumer thread only. */
    Runnable poll() {
        long pos = head;
        int i = (int) (pos & mask);
        if (seq.getAcquire(i) != pos + 1) {
            return null;
        }
        Runnable r = items.getPlain(i);
        items.setPlain(i, null);
        seq.setRelease(i, pos + mask + 1);
        head = pos + 1;
        return r;
    }

    /** Whether no task was offered that the consumer has not taken (volatile read of tail). Consumer only. */
    boolean isEmpty() {
        return tail.get() == head;
    }
}
