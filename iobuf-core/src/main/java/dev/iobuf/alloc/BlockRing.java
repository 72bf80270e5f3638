package dev.iobuf.alloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded lock-free multi-producer multi-consumer queue of non-negative {@code int}s (block
 * numbers): the per-order cache of a {@link BuddyPool} and the free list of each {@link SlabPool}
 * class. {@link #offer(int)} returns {@code false} when full, {@link #poll()} returns {@code -1}
 * when empty; neither blocks, allocates or takes a lock.
 *
 * <p>Unlike {@link dev.iobuf.pool.IndexPool}, whose ring can never be full because it only holds
 * its own indices, this ring holds arbitrary values and may be offered more than it holds.
 */
final class BlockRing extends BlockRingPad2 {

    /*
     * Implementation notes.
     *
     * Vyukov's bounded MPMC queue (2010) with each cell's sequence and value packed in one long,
     * as in dev.iobuf.pool.IndexPool:
     *
     *     entry = (seq << 32) | value        seq = low 32 bits of a 64-bit position
     *
     * For the cell of position p (cell = p & mask): seq == p means "empty, the offer at p may
     * write", seq == p+1 means "full, holding the value offered at p". A poll that consumes p
     * writes seq = p + capacity: empty for the offer one lap later.
     *
     * Ownership of a position is decided only by the CAS of the 64-bit tail (offer) or head (poll)
     * from p to p+1, after reading the cell's seq with acquire. A thread paused between its read
     * and its CAS finds the counter moved and retries, so nothing is taken or overwritten a lap
     * late; the 32-bit seq may wrap harmlessly because it only says "ready" and the 64-bit CAS
     * pins the lap. The winner publishes the cell with a release store, which orders everything
     * the offerer did to the block before the poller sees its number.
     *
     * The ring has at least two cells. With one, "full, holding the value offered at p" (seq p+1)
     * and "empty for the offer at p+1" (seq p+n = p+1) are the same tag: an offer would overwrite
     * an unconsumed value and a poll could spin forever (Vyukov's queue requires n >= 2 too).
     *
     * Two ways in. offer() CASes the tail and reports full when the cell is still full one lap
     * behind (or its poller is between its CAS and its store): Vyukov's behaviour, right for a
     * cache whose caller falls back to the slow path. put() is for rings that by construction never
     * hold more values than cells (a slab class's free list holds only that class's slots): it
     * claims its position with getAndAdd, as dev.iobuf.pool.IndexPool does, and waits the few
     * instructions until the poller one lap behind has marked the cell empty. One ring uses one of
     * the two, never both.
     *
     * The cells sit between PAD unused longs (128 bytes) on each side, so the array's header and
     * whatever the heap places next to it (another stripe's ring, after a collection copies the
     * arrays together) never share a line with cells another thread writes.
     *
     * poll() finding its cell not yet full reads the tail: tail == p means empty (return -1);
     * tail > p means an offer or put has claimed p and is about to publish, so it spins. That keeps
     * a completed put visible even behind an unfinished one (no false "empty" after a free has
     * returned).
     */

    /** Unused cells before the first and after the last: 128 bytes, a line and its prefetch partner. */
    private static final int PAD = 16;

    private final long[] ring;
    private final int mask;

    /** A ring that holds {@code capacity} values, rounded up to a power of two (at least 2). */
    BlockRing(int capacity) {
        if (capacity < 1 || capacity > 1 << 30) {
            throw new IllegalArgumentException("ring capacity must be between 1 and 2^30, got " + capacity);
        }
        int n = capacity <= 2 ? 2 : Integer.highestOneBit(capacity - 1) << 1;
        this.ring = new long[n + 2 * PAD];
        this.mask = n - 1;
        for (int i = 0; i < n; i++) {
            ring[PAD + i] = (long) i << 32; // empty for the offer at position i
        }
    }

    /** The number of values the ring holds, a power of two. */
    int capacity() {
        return mask + 1;
    }

    /** Adds {@code value} (0 or more); {@code false} if the ring is full. */
    boolean offer(int value) {
        long[] r = ring;
        int m = mask;
        long p = lvTail();
        for (;;) {
            int cell = PAD + ((int) p & m);
            long e = (long) RING.getAcquire(r, cell);
            int dif = (int) (e >>> 32) - (int) p;
            if (dif == 0) {
                if (casTail(p, p + 1)) {
                    RING.setRelease(r, cell, ((long) (int) (p + 1) << 32) | (value & 0xFFFF_FFFFL));
                    return true;
                }
                p = lvTail();
            } else if (dif < 0) {
                long t = lvTail();
                if (t == p) {
                    return false; // the cell still holds the value offered one lap ago
                }
                p = t;
            } else {
                p = lvTail(); // another offerer took p
            }
        }
    }

    /** Removes a value; {@code -1} if the ring is empty. */
    int poll() {
        long[] r = ring;
        int m = mask;
        long p = lvHead();
        for (;;) {
            int cell = PAD + ((int) p & m);
            long e = (long) RING.getAcquire(r, cell);
            int dif = (int) (e >>> 32) - (int) (p + 1);
            if (dif == 0) {
                if (casHead(p, p + 1)) {
                    RING.setRelease(r, cell, (long) (int) (p + m + 1) << 32);
                    return (int) e;
                }
                p = lvHead();
            } else if (dif < 0) {
                if (p >= lvTail()) {
                    long h = lvHead();
                    if (h == p) {
                        return -1;
                    }
                    p = h;
                } else {
                    Thread.onSpinWait(); // an offer or put claimed p and is about to publish
                    p = lvHead();
                }
            } else {
                p = lvHead(); // another poller took p
            }
        }
    }

    /**
     * Adds {@code value} (0 or more) to a ring that can never hold more values than its capacity;
     * never fails. Do not mix with {@link #offer(int)} on one ring.
     */
    void put(int value) {
        long[] r = ring;
        long p = (long) TAIL.getAndAdd(this, 1L);
        int cell = PAD + ((int) p & mask);
        while ((int) ((long) RING.getAcquire(r, cell) >>> 32) != (int) p) {
            Thread.onSpinWait(); // the poller one lap behind has not marked the cell empty yet
        }
        RING.setRelease(r, cell, ((long) (int) (p + 1) << 32) | (value & 0xFFFF_FFFFL));
    }

    /** The number of values in the ring; exact whenever no call is in flight. */
    int size() {
        long h = lvHead();
        long t = lvTail();
        return (int) Math.max(0, Math.min(capacity(), t - h));
    }

    // ---------------------------------------------------------------------------------------------
    // VarHandle mechanics

    private long lvHead() {
        return head;
    }

    private long lvTail() {
        return tail;
    }

    private boolean casHead(long expect, long update) {
        return HEAD.compareAndSet(this, expect, update);
    }

    private boolean casTail(long expect, long update) {
        return TAIL.compareAndSet(this, expect, update);
    }

    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle RING = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(BlockRingHead.class, "head", long.class);
            TAIL = l.findVarHandle(BlockRingTail.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
