package dev.iobuf.uring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The mapped completion queue: reads CQEs and releases their slots. Package-private; the ring
 * drives it from one thread at a time.
 */
final class CompletionQueue {
    /*
     * Implementation notes.
     *
     * The kernel writes CQEs and then store-releases the tail; loading the tail with acquire makes
     * every CQE below it visible, and those are read with plain loads. head is a plain shadow of
     * the kernel-visible head: a batch reads the tail once, hands each CQE to the handler, and
     * store-releases the new head once at the end, which tells the kernel the slots may be reused
     * (release: our reads of those slots happen before the kernel may overwrite them).
     *
     * A CQE counts as consumed once it has been handed to the handler, even if the handler throws;
     * the finally block publishes the head so a throwing handler never sees the same CQE twice.
     */
    private final MemorySegment ring;
    private final long headOffset;
    private final long tailOffset;
    private final long cqesOffset;
    private final long overflowOffset;
    final int entries;
    private final int mask;

    private int head;
    /** CQEs reaped that were the last of their operation (no F_MORE). */
    private long finals;

    CompletionQueue(MemorySegment ring, MemorySegment params) {
        this.ring = ring;
        long o = ParamsLayout.CQ_OFF;
        this.headOffset = params.get(ValueLayout.JAVA_INT, o + ParamsLayout.CQ_HEAD);
        this.tailOffset = params.get(ValueLayout.JAVA_INT, o + ParamsLayout.CQ_TAIL);
        this.cqesOffset = params.get(ValueLayout.JAVA_INT, o + ParamsLayout.CQ_CQES);
        this.overflowOffset = params.get(ValueLayout.JAVA_INT, o + ParamsLayout.CQ_OVERFLOW);
        this.entries = ring.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, o + ParamsLayout.CQ_RING_ENTRIES));
        this.mask = ring.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, o + ParamsLayout.CQ_RING_MASK));
        this.head = ring.get(ValueLayout.JAVA_INT, headOffset);
    }

    /** CQEs ready to be read. */
    int ready() {
        return laTail() - head;
    }

    /** Hands up to {@code max} ready CQEs to {@code handler}; returns how many. */
    int drain(CqeHandler handler, int max) {
        int h = head;
        int n = Math.min(laTail() - h, max);
        if (n <= 0) {
            return 0;
        }
        MemorySegment r = ring;
        int i = 0;
        try {
            while (i < n) {
                long off = cqesOffset + (long) ((h + i) & mask) * CqeLayout.BYTES;
                long userData = r.get(ValueLayout.JAVA_LONG, off + CqeLayout.USER_DATA);
                int res = r.get(ValueLayout.JAVA_INT, off + CqeLayout.RES);
                int flags = r.get(ValueLayout.JAVA_INT, off + CqeLayout.FLAGS);
                i++;
                if ((flags & CqeFlags.MORE) == 0) {
                    finals++;
                }
                handler.handle(userData, res, flags);
            }
        } finally {
            head = h + i;
            soHead(h + i);
        }
        return n;
    }

    /** Copies the oldest ready CQE into {@code out} and consumes it; false when none is ready. */
    boolean poll(Cqe out) {
        int h = head;
        if (laTail() == h) {
            return false;
        }
        long off = cqesOffset + (long) (h & mask) * CqeLayout.BYTES;
        int flags = ring.get(ValueLayout.JAVA_INT, off + CqeLayout.FLAGS);
        if ((flags & CqeFlags.MORE) == 0) {
            finals++;
        }
        out.set(ring.get(ValueLayout.JAVA_LONG, off + CqeLayout.USER_DATA),
                ring.get(ValueLayout.JAVA_INT, off + CqeLayout.RES), flags);
        head = h + 1;
        soHead(h + 1);
        return true;
    }

    /** CQEs reaped so far that carried no F_MORE: operations that are over. */
    long finals() {
        return finals;
    }

    /** The kernel's count of CQEs it could not post (0 with {@code IORING_FEAT_NODROP}). */
    int overflow() {
        return (int) INT.getOpaque(ring, overflowOffset);
    }

    private int laTail() {
        return (int) INT.getAcquire(ring, tailOffset);
    }

    private void soHead(int value) {
        INT.setRelease(ring, headOffset, value);
    }

    // VarHandle mechanics
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
}
