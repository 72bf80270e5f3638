package dev.iobuf.uring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The mapped submission queue: hands out SQE slots and publishes the tail. Package-private; the
 * ring drives it from one thread at a time.
 */
final class SubmissionQueue {
    /*
     * Implementation notes.
     *
     * Indices are free-running u32 counters compared by subtraction, so wrap-around is harmless.
     * sqeTail counts slots handed out; tail is the value last published to the kernel;
     * cachedHead is the kernel's head as last read. A slot is free while sqeTail - head < entries;
     * the kernel's head is re-read (load-acquire, pairing with the kernel's release after it has
     * copied an SQE) only when the cached value says the queue is full, so handing out a slot
     * normally touches no shared memory.
     *
     * Publishing is one store-release of the tail after all SQE bytes were written (plain stores),
     * so the kernel, which loads the tail with acquire, sees complete entries. Without
     * IORING_SETUP_NO_SQARRAY the indirection array is filled once with the identity at setup.
     *
     * Under SQPOLL the kernel thread may go to sleep; it then sets IORING_SQ_NEED_WAKEUP in the
     * flags word. The store of the tail and the load of the flags must not be reordered (a Dekker
     * pattern with the kernel thread, which sets the flag and then re-checks the tail), hence a
     * full fence between them in needsWakeup().
     */
    static final int NEED_WAKEUP = 1;
    static final int CQ_OVERFLOW = 1 << 1;
    static final int TASKRUN = 1 << 2;

    private final MemorySegment ring;
    final MemorySegment sqes;
    private final long headOffset;
    private final long tailOffset;
    private final long flagsOffset;
    private final long droppedOffset;
    final int entries;
    private final int mask;

    private int sqeTail;
    private int tail;
    private int cachedHead;

    SubmissionQueue(MemorySegment ring, MemorySegment sqes, MemorySegment params, boolean noSqArray) {
        this.ring = ring;
        this.sqes = sqes;
        long o = ParamsLayout.SQ_OFF;
        this.headOffset = params.get(ValueLayout.JAVA_INT, o + ParamsLayout.SQ_HEAD);
        this.tailOffset = params.get(ValueLayout.JAVA_INT, o + ParamsLayout.SQ_TAIL);
        this.flagsOffset = params.get(ValueLayout.JAVA_INT, o + ParamsLayout.SQ_FLAGS);
        this.droppedOffset = params.get(ValueLayout.JAVA_INT, o + ParamsLayout.SQ_DROPPED);
        this.entries = ring.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, o + ParamsLayout.SQ_RING_ENTRIES));
        this.mask = ring.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, o + ParamsLayout.SQ_RING_MASK));
        if (!noSqArray) {
            long array = params.get(ValueLayout.JAVA_INT, o + ParamsLayout.SQ_ARRAY);
            for (int i = 0; i < entries; i++) {
                ring.set(ValueLayout.JAVA_INT, array + 4L * i, i);
            }
        }
        this.tail = lpTail();
        this.sqeTail = tail;
        this.cachedHead = laHead();
    }

    /** The byte offset in {@link #sqes} of a fresh slot, or -1 when the queue is full. */
    long next() {
        int t = sqeTail;
        if (t - cachedHead >= entries) {
            cachedHead = laHead();
            if (t - cachedHead >= entries) {
                return -1;
            }
        }
        sqeTail = t + 1;
        return (long) (t & mask) * SqeLayout.BYTES;
    }

    /**
     * Takes back the slot at byte offset {@code offset} if it is the last one handed out and not
     * yet published (an SQE whose preparation failed); false when it cannot be taken back.
     */
    boolean unreserve(long offset) {
        int t = sqeTail;
        if (t == tail || (long) ((t - 1) & mask) * SqeLayout.BYTES != offset) {
            return false;
        }
        sqeTail = t - 1;
        return true;
    }

    /** Publishes the slots handed out; returns how many SQEs the kernel has not consumed yet. */
    int flush() {
        int t = sqeTail;
        if (t != tail) {
            tail = t;
            soTail(t);
        }
        return t - laHead();
    }

    /** Slots handed out and not yet published. */
    int unpublished() {
        return sqeTail - tail;
    }

    /** Slots free right now. */
    int space() {
        return entries - (sqeTail - laHead());
    }

    /** After {@link #flush()} under SQPOLL: whether the kernel thread sleeps and must be woken. */
    boolean needsWakeup() {
        VarHandle.fullFence();
        return (loFlags() & NEED_WAKEUP) != 0;
    }

    /** Whether completions are held back (CQ overflow) or task work waits for a kernel entry. */
    boolean cqNeedsEnter() {
        return (loFlags() & (CQ_OVERFLOW | TASKRUN)) != 0;
    }

    /** Whether completions are held back because the CQ was full. */
    boolean cqOverflow() {
        return (loFlags() & CQ_OVERFLOW) != 0;
    }

    /** The kernel's count of invalid SQEs it dropped. */
    int dropped() {
        return (int) INT.getOpaque(ring, droppedOffset);
    }

    int loFlags() {
        return (int) INT.getOpaque(ring, flagsOffset);
    }

    private int laHead() {
        return (int) INT.getAcquire(ring, headOffset);
    }

    private int lpTail() {
        return ring.get(ValueLayout.JAVA_INT, tailOffset);
    }

    private void soTail(int value) {
        INT.setRelease(ring, tailOffset, value);
    }

    // VarHandle mechanics
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
}
