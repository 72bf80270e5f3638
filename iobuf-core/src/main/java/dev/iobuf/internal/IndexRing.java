package dev.iobuf.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded lock-free multi-producer multi-consumer queue of non-negative {@code int}s: the one
 * index ring of iobuf. It holds the free indices of every {@code IndexPool} (buffer and object
 * pools), the per-order caches of a {@code BuddyPool} and the free slots of each {@code SlabPool}
 * class. {@link #poll()} returns {@code -1} when empty; nothing blocks, allocates or takes a lock.
 *
 * <p>Two ways in, one per ring: {@link #offer(int)} returns {@code false} when full, for a ring
 * that may be offered more than it holds (a cache); {@link #put(int)} never fails, for a ring
 * that by construction never holds more values than its capacity (a pool of its own indices).
 * Make a ring with {@link #forOffer} or {@link #forPut} accordingly.
 */
public final class IndexRing extends IndexRingPad2 {

    /*
     * Implementation notes.
     *
     * Vyukov's bounded MPMC queue (2010), in the family of Nikolaev's SCQ (DISC 2019), with each
     * cell's sequence and value packed in one long, so a reader never sees a new tag with an old
     * value or the reverse:
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
     * A ring made for offer() has at least two cells. With one, "full, holding the value offered at
     * p" (seq p+1) and "empty for the offer at p+1" (seq p+n = p+1) are the same tag: an offer
     * would overwrite an unconsumed value and a poll could spin forever (Vyukov's queue requires
     * n >= 2 too). put() never mistakes the two, because it waits for its own lap's tag and the
     * ring never holds more than n values, so a put ring may have one cell.
     *
     * Two ways in. offer() CASes the tail and reports full when the cell is still full one lap
     * behind (or its poller is between its CAS and its store): Vyukov's behaviour, right for a
     * cache whose caller falls back to the slow path. put() is for rings that by construction never
     * hold more values than cells (a slab class's free list holds only that class's slots): it
     * claims its position with getAndAdd, and waits the few
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

    /** The largest capacity: 2^30. */
    public static final int MAX_CAPACITY = 1 << 30;

    /**
     * A ring for {@link #offer(int)} and {@link #poll()} that holds {@code capacity} values,
     * rounded up to a power of two, at least 2.
     */
    public static IndexRing forOffer(int capacity) {
        return new IndexRing(Math.max(2, roundCapacity(capacity)));
    }

    /**
     * A ring for {@link #put(int)} and {@link #poll()} that holds {@code capacity} values, rounded
     * up to a power of two; never put more values in it than it holds.
     */
    public static IndexRing forPut(int capacity) {
        return new IndexRing(roundCapacity(capacity));
    }

    /** {@code requested} rounded up to a power of two, checked against 1 .. {@link #MAX_CAPACITY}. */
    public static int roundCapacity(int requested) {
        if (requested < 1 || requested > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity must be between 1 and 2^30 (1073741824), got " + requested);
        }
        return requested == 1 ? 1 : Integer.highestOneBit(requested - 1) << 1;
    }

    private IndexRing(int n) {
        this.ring = new long[n + 2 * PAD];
        this.mask = n - 1;
        for (int i = 0; i < n; i++) {
            ring[PAD + i] = (long) i << 32; // empty for the offer at position i
        }
    }

    /** The number of values the ring holds, a power of two. */
    public int capacity() {
        return mask + 1;
    }

    /** Adds {@code value} (0 or more); {@code false} if the ring is full. */
    public boolean offer(int value) {
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
    public int poll() {
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
    public void put(int value) {
        long[] r = ring;
        long p = (long) TAIL.getAndAdd(this, 1L);
        int cell = PAD + ((int) p & mask);
        while ((int) ((long) RING.getAcquire(r, cell) >>> 32) != (int) p) {
            Thread.onSpinWait(); // the poller one lap behind has not marked the cell empty yet
        }
        RING.setRelease(r, cell, ((long) (int) (p + 1) << 32) | (value & 0xFFFF_FFFFL));
    }

    /** The number of values in the ring; exact whenever no call is in flight. */
    public int size() {
        long h = lvHead();
        long t = lvTail();
        return (int) Math.max(0, Math.min(capacity(), t - h));
    }

    /** Values polled so far (the next position to poll). */
    public long head() {
        return lvHead();
    }

    /** Values put or offered so far (the next position to fill). */
    public long tail() {
        return lvTail();
    }

    /**
     * Whether the cell of {@code position} holds its value already (a snapshot, with no ordering):
     * after a poll at {@code p}, {@code isFull(p + 1)} false means the ring may now be empty.
     */
    public boolean isFull(long position) {
        return (int) ((long) RING.getOpaque(ring, PAD + ((int) position & mask)) >>> 32) == (int) (position + 1);
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
            HEAD = l.findVarHandle(IndexRingHead.class, "head", long.class);
            TAIL = l.findVarHandle(IndexRingTail.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
