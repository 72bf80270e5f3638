package dev.iobuf.internal;

/**
 * Small caches of free numbers (block numbers, pool indices), one per (stripe, size class), in
 * front of a pool's shared free structure: the buddy orders and slab classes of the allocators,
 * and the ring of an {@code IndexPool}. a thread frees into and allocates from the cache of its own stripe, so two
 * threads working on one pool touch different cache lines. Lock-free, allocation-free.
 *
 * <p>What the pools rely on: a number offered is polled at most once, by any thread; nothing
 * offered is lost (a poll that finds its own stripe empty tries the others before giving up, so a
 * block freed on one thread and wanted on another is found, and an offer that finds its own
 * stripe full tries the others, so one thread can fill the whole cache); {@link #poll(int)}
 * returns {@code -1} when every stripe of the class is empty.
 */
public final class StripedCache {
    /*
     * Implementation notes.
     *
     * Stripes, like LongAdder's cells: a power of two at least the processor count (at most
     * MAX_STRIPES); a thread's stripe is its id modulo that. Two threads sharing a stripe are still
     * correct (every ring is MPMC), only slower. Per-thread caches proper (ThreadLocal magazines,
     * as Netty keeps) would strand blocks in threads that end; stripes have no owner, so nothing is
     * stranded and no clean-up is needed.
     *
     * A class's total capacity (a power of two) is split evenly over the stripes, so striping never
     * caches more bytes than the budget the caller computed. A class too small to give every stripe
     * two cells (IndexRing's least) gets one ring that all stripes share.
     */

    /** The most stripes, whatever the processor count. */
    public static final int MAX_STRIPES = 16;
    /** Stripes for this machine. */
    public static final int STRIPES = stripesFor(Runtime.getRuntime().availableProcessors());

    private final IndexRing[] rings;
    private final boolean[] shared;
    private final int classes;
    private final int mask;

    /**
     * Caches for {@code capacities.length} classes; class {@code c} holds at most
     * {@code capacities[c]} numbers over all stripes, rounded down to a power of two (below 2: no
     * cache for that class).
     */
    public StripedCache(int[] capacities, int stripes) {
        if (Integer.bitCount(stripes) != 1) {
            throw new IllegalArgumentException("stripes must be a power of two, got " + stripes);
        }
        this.classes = capacities.length;
        this.mask = stripes - 1;
        this.rings = new IndexRing[classes * stripes];
        this.shared = new boolean[classes];
        for (int c = 0; c < classes; c++) {
            if (capacities[c] < 2) {
                continue;
            }
            int total = Integer.highestOneBit(capacities[c]);
            int each = total / stripes;
            shared[c] = each < 2;
            IndexRing one = shared[c] ? IndexRing.forOffer(total) : null;
            for (int s = 0; s < stripes; s++) {
                rings[s * classes + c] = shared[c] ? one : IndexRing.forOffer(each);
            }
        }
    }

    public static int stripesFor(int processors) {
        int p = Math.max(1, Math.min(MAX_STRIPES, processors));
        return Integer.bitCount(p) == 1 ? p : Integer.highestOneBit(p) << 1;
    }

    /** The calling thread's stripe. */
    public int stripe() {
        return (int) Thread.currentThread().threadId() & mask;
    }

    /** The ring of class {@code c} of the calling thread's stripe, or null when the class has no cache. */
    public IndexRing own(int c) {
        return rings[stripe() * classes + c];
    }

    /** Numbers ever offered to class {@code c}, over all stripes: grows with every offer, never falls. */
    public long offered(int c) {
        if (rings[c] == null) {
            return 0;
        }
        if (shared[c]) {
            return rings[c].tail();
        }
        long n = 0;
        for (int s = 0; s <= mask; s++) {
            n += rings[s * classes + c].tail();
        }
        return n;
    }

    /** Numbers ever polled from class {@code c}, over all stripes. */
    public long polled(int c) {
        if (rings[c] == null) {
            return 0;
        }
        if (shared[c]) {
            return rings[c].head();
        }
        long n = 0;
        for (int s = 0; s <= mask; s++) {
            n += rings[s * classes + c].head();
        }
        return n;
    }

    /** A cached number of class {@code c}, or -1: the caller's stripe first, then the others. */
    public int poll(int c) {
        IndexRing[] r = rings;
        int own = stripe();
        IndexRing ring = r[own * classes + c];
        if (ring == null) {
            return -1;
        }
        int v = ring.poll();
        if (v >= 0 || shared[c]) {
            return v;
        }
        for (int i = 1; i <= mask; i++) {
            v = r[((own + i) & mask) * classes + c].poll();
            if (v >= 0) {
                return v;
            }
        }
        return -1;
    }

    /**
     * Caches {@code value} of class {@code c}: in the caller's stripe, or when that is full in
     * another, so one thread alone can use the class's whole capacity; false when every stripe is
     * full or the class has no cache.
     */
    public boolean offer(int c, int value) {
        IndexRing[] r = rings;
        int own = stripe();
        IndexRing ring = r[own * classes + c];
        if (ring == null) {
            return false;
        }
        if (ring.offer(value)) {
            return true;
        }
        if (shared[c]) {
            return false;
        }
        for (int i = 1; i <= mask; i++) {
            if (r[((own + i) & mask) * classes + c].offer(value)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Takes any cached number of class {@code c} from any stripe, starting with the one after the
     * caller's (so threads that need another stripe spread out), or -1 when all are empty.
     */
    public int pollAny(int c) {
        int own = stripe();
        for (int i = 1; i <= mask + 1; i++) {
            IndexRing ring = rings[((own + i) & mask) * classes + c];
            if (ring == null) {
                return -1;
            }
            int v = ring.poll();
            if (v >= 0) {
                return v;
            }
        }
        return -1;
    }

    /** The numbers class {@code c} holds now over all stripes (exact when no call is in flight). */
    public int size(int c) {
        IndexRing first = rings[c];
        if (first == null) {
            return 0;
        }
        if (shared[c]) {
            return first.size();
        }
        int n = 0;
        for (int s = 0; s <= mask; s++) {
            n += rings[s * classes + c].size();
        }
        return n;
    }

    /** The numbers class {@code c} may cache over all stripes. */
    public int capacity(int c) {
        IndexRing ring = rings[c];
        return ring == null ? 0 : shared[c] ? ring.capacity() : ring.capacity() * (mask + 1);
    }
}
