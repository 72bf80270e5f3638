package dev.iobuf.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded lock-free multi-producer multi-consumer pool of the indices {@code 0 .. capacity-1}:
 * the machinery shared by {@link BoundedPool} and {@link BufferPool}.
 *
 * <p>What a caller may rely on:
 * <ul>
 *   <li>An index is owned by at most one caller at a time: between the acquire that returned it
 *       and the release that gives it back. No index is ever handed out twice.</li>
 *   <li>{@link #tryAcquire()} never blocks and returns {@code -1} when the pool is empty;
 *       {@link #acquire()} blocks until an index is released, woken by that release.</li>
 *   <li>{@link #release(int)} of an index out of range throws {@link IllegalArgumentException};
 *       of an index not currently acquired (a double release) throws
 *       {@link IllegalStateException}. Either way the pool is unchanged.</li>
 *   <li>Acquire and release allocate nothing and take no lock unless a thread is blocked.</li>
 * </ul>
 */
public abstract sealed class IndexPool extends IndexPoolPad2 permits BoundedPool, BufferPool {

    /*
     * Implementation notes.
     *
     * The ring. A bounded MPMC ring of n = capacity slots (a power of two) holding the free
     * indices, in the family of Vyukov's bounded queue and Nikolaev's SCQ (DISC 2019): each slot is
     * one long that packs the index together with a cycle tag,
     *
     *     entry = (seq << 32) | index        seq = low 32 bits of a 64-bit position
     *
     * where, for the slot of position p (slot = p & (n-1)), seq == p means "empty, the put at p may
     * write here" and seq == p+1 means "full, holding the index put at p; the take at p may read
     * it". A take that consumes position p writes seq = p+n: empty for the put one lap later.
     * Because the state and the index are one word, a reader can never see a new tag with an old
     * index or the reverse.
     *
     * Why no slot is taken one lap late (the bug of the Go pool this is modelled on): a take owns
     * position p only by a CAS of the 64-bit head from p to p+1. A reader paused between its load of
     * the slot and its CAS, while others go round the ring, finds head != p and its CAS fails; the
     * 64-bit counters never wrap in practice, so the tag check plus the head CAS pin the index to
     * exactly one lap. The 32-bit seq in the tag may wrap; that is harmless because the tag only
     * says "ready", and ownership is decided by the 64-bit CAS.
     *
     * Puts use getAndAdd on tail instead of a CAS loop: the pool holds at most n indices (each
     * index is put only after it was taken), so tail - head <= n always holds, the slot a put
     * claims was already claimed by the take one lap before, and a put never finds the ring full.
     * It may find that take still between its CAS and its store of the empty tag, and then spins
     * for those few instructions.
     *
     * A take that finds its slot not yet full reads tail: tail == p means the pool is empty and it
     * returns -1; tail > p means a put claimed p and is about to publish, so it spins. This keeps
     * tryAcquire linearizable: it never reports empty while a completed release sits in the ring
     * behind an unfinished one.
     *
     * Ownership. owner[i] is FREE or TAKEN. release(i) CASes TAKEN -> FREE before putting i in the
     * ring, so a double release fails the CAS and changes nothing; acquire sets TAKEN after the take
     * (the taker is the only thread that may touch it then). The range check and this CAS are the
     * only work release does beyond the ring.
     *
     * Blocking. acquire spins (Thread.onSpinWait), then yields, then parks on a Condition. A
     * release reads `waiters` after its getAndAdd on tail and signals if it is non-zero. A waiter
     * increments `waiters` (under the lock) before its last tryAcquire, which reads tail when
     * the ring looks empty. Both are volatile accesses in one synchronization order: either the
     * waiter's read of tail sees the put (and it takes the index), or the releaser's read of
     * waiters sees the waiter (and signals it; the lock makes sure the waiter is already in await).
     * No wake-up is lost and nobody sleeps in fixed steps.
     *
     * Statistics. head counts takes and tail - capacity counts releases, so those are free. The
     * peak of indices in use is computed from head and tail every PEAK_SAMPLE_MASK+1 takes, and
     * after any take that finds the next slot not full (the ring may be empty: that is where the
     * peak is); reading tail on every take would put the producers' cache line on every
     * consumer's path. A failed tryAcquire sets it to capacity. Waits and failed tries are
     * counted on their slow paths.
     */

    /** Spins with {@link Thread#onSpinWait()} before a blocked acquire starts yielding. */
    static final int SPIN_TRIES = 128;
    /** Yields before a blocked acquire parks. */
    static final int YIELD_TRIES = 8;
    /** Takes between two samples of the in-use peak, minus one (a power of two minus one). */
    static final long PEAK_SAMPLE_MASK = 63;

    private static final int FREE = 0;
    private static final int TAKEN = 1;
    /** Before {@code fill}: neither acquirable nor releasable. */
    private static final int UNFILLED = 2;

    /** Maximum capacity: 2^30. */
    public static final int MAX_CAPACITY = 1 << 30;

    private final long[] ring;
    private final int[] owner;
    private final int mask;
    private final int capacity;
    private volatile boolean closed;
    private volatile int waiters;
    private final LongAdder waits = new LongAdder();
    private final LongAdder failedTries = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();

    IndexPool(int requestedCapacity) {
        this.capacity = roundCapacity(requestedCapacity);
        this.mask = capacity - 1;
        this.ring = new long[capacity];
        this.owner = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            ring[i] = (long) i << 32; // empty for the put at position i
            owner[i] = UNFILLED; // nothing is in the pool until it is filled, and nothing can be released
        }
    }

    /** Rounds a requested capacity up to a power of two, checking the bounds of the contract. */
    static int roundCapacity(int requested) {
        if (requested < 1 || requested > MAX_CAPACITY) {
            throw new IllegalArgumentException(
                    "pool capacity must be between 1 and 2^30 (1073741824), got " + requested);
        }
        return requested == 1 ? 1 : Integer.highestOneBit(requested - 1) << 1;
    }

    /** Puts every index into the pool once; called by subclasses when their items exist. */
    final void fillIndices() {
        for (int i = 0; i < capacity; i++) {
            owner[i] = FREE;
            put(i);
        }
    }

    /** Whether the indices were put into the pool (by {@code fill}, or at creation). */
    final boolean filled() {
        return lvTail() >= capacity;
    }

    /**
     * Takes an index, blocking while the pool is empty.
     *
     * @return an index now owned by the caller
     * @throws InterruptedException  if interrupted while waiting; no index is taken
     * @throws IllegalStateException before the pool is filled, or after it is closed
     */
    public final int acquire() throws InterruptedException {
        int index = tryTake();
        if (index >= 0) {
            return index;
        }
        return acquireSlow(false, 0L);
    }

    /**
     * Takes an index if one is free, never blocking.
     *
     * @return an index now owned by the caller, or {@code -1} if the pool is empty
     * @throws IllegalStateException before the pool is filled, or after it is closed
     */
    public final int tryAcquire() {
        int index = tryTake();
        if (index < 0) {
            failedTries.increment();
            peakInUse = capacity;
        }
        return index;
    }

    /** {@link #tryAcquire()} without counting a failed try (the blocking paths count one wait instead). */
    private int tryTake() {
        if (closed) {
            throw closedException();
        }
        int index = take();
        if (index >= 0) {
            owner[index] = TAKEN; // plain: only the taker touches owner[index] until it releases
            return index;
        }
        if (!filled()) {
            throw new IllegalStateException("pool is not filled yet: call fill(...) before acquiring");
        }
        return -1;
    }

    /**
     * Takes an index, waiting at most {@code timeout} while the pool is empty.
     *
     * @return an index now owned by the caller, or {@code -1} if none was free in time
     * @throws InterruptedException  if interrupted while waiting; no index is taken
     * @throws IllegalStateException before the pool is filled, or after it is closed
     */
    public final int tryAcquire(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        if (nanos <= 0) {
            return tryAcquire();
        }
        int index = tryTake();
        if (index >= 0) {
            return index;
        }
        return acquireSlow(true, nanos);
    }

    /**
     * Gives an index back to the pool. Any thread may release an index any other thread acquired.
     *
     * @throws IllegalArgumentException if {@code index} is not in {@code 0 .. capacity-1}
     * @throws IllegalStateException    if {@code index} is not currently acquired (a double
     *                                  release), or the pool is closed; the pool is unchanged
     */
    public final void release(int index) {
        if (closed) {
            throw closedException();
        }
        if (index < 0 || index >= capacity) {
            throw new IllegalArgumentException(
                    "index " + index + " is out of range: this pool holds 0 to " + (capacity - 1));
        }
        if (!OWNER.compareAndSet(owner, index, TAKEN, FREE)) {
            throw new IllegalStateException("index " + index + " is not acquired: double release?");
        }
        put(index);
        if (waiters != 0) {
            signalWaiter();
        }
    }

    /** Whether {@code index} is currently acquired by some caller (a snapshot). */
    public final boolean isAcquired(int index) {
        checkOpen();
        if (index < 0 || index >= capacity) {
            throw new IllegalArgumentException(
                    "index " + index + " is out of range: this pool holds 0 to " + (capacity - 1));
        }
        return (int) OWNER.getVolatile(owner, index) == TAKEN;
    }

    /**
     * The number of indices, a power of two.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public final int capacity() {
        checkOpen();
        return capacity;
    }

    /**
     * The number of indices in the pool now; exact whenever no call is in flight.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public final int available() {
        checkOpen();
        long h = lvHead();
        long t = lvTail();
        long n = t - h;
        return (int) Math.max(0, Math.min(capacity, n));
    }

    /** A snapshot of this pool's statistics; still answers after {@link #close()}. */
    public final PoolStats stats() {
        long h = lvHead();
        long t = lvTail();
        long releases = Math.max(0, t - capacity);
        int avail = (int) Math.max(0, Math.min(capacity, t - h));
        int inUse = filled() ? capacity - avail : 0;
        long peak = Math.max(peakInUse, inUse);
        return new PoolStats(capacity, avail, inUse, filled() ? (int) Math.min(capacity, peak) : 0,
                h, releases, waits.sum(), failedTries.sum());
    }

    /** Whether {@link #close()} was called. */
    public final boolean isClosed() {
        return closed;
    }

    /**
     * Closes the pool: every later call but {@link #stats()}, {@link #isClosed()} and
     * {@code close()} throws {@link IllegalStateException}, and threads blocked in
     * {@link #acquire()} wake and throw it too. Closing twice does nothing.
     */
    public void close() {
        closed = true;
        lock.lock();
        try {
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    final void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

    IllegalStateException closedException() {
        return new IllegalStateException(getClass().getSimpleName() + " is closed");
    }

    // ---------------------------------------------------------------------------------------------
    // The ring

    /** Takes a free index, or returns -1 when the ring is empty. */
    private int take() {
        long[] r = ring;
        int m = mask;
        long p = lvHead();
        for (;;) {
            int slot = (int) p & m;
            long e = (long) RING.getAcquire(r, slot);
            int dif = (int) (e >>> 32) - (int) (p + 1);
            if (dif == 0) {
                if (casHead(p, p + 1)) {
                    RING.setRelease(r, slot, (long) (int) (p + m + 1) << 32);
                    // Sample the in-use peak every few takes, and whenever this take may have
                    // emptied the ring (the next slot is not full), where the peak is reached.
                    if ((p & PEAK_SAMPLE_MASK) == 0
                            || (int) ((long) RING.getOpaque(r, (int) (p + 1) & m) >>> 32) != (int) (p + 2)) {
                        samplePeak(p + 1);
                    }
                    return (int) e;
                }
                p = lvHead();
            } else if (dif < 0) {
                // Not yet full for this lap: empty, or a put claimed p and has not published.
                if (p >= lvTail()) {
                    long h = lvHead();
                    if (h == p) {
                        return -1;
                    }
                    p = h;
                } else {
                    Thread.onSpinWait();
                    p = lvHead();
                }
            } else {
                p = lvHead(); // another taker consumed p: start from the current head
            }
        }
    }

    /** Puts a free index; never fails, because the ring has room for every index. */
    private void put(int index) {
        long[] r = ring;
        long p = (long) TAIL.getAndAdd(this, 1L);
        int slot = (int) p & mask;
        // Wait for the take one lap before to mark the slot empty (a few instructions at most).
        while ((int) ((long) RING.getAcquire(r, slot) >>> 32) != (int) p) {
            Thread.onSpinWait();
        }
        RING.setRelease(r, slot, ((long) (int) (p + 1) << 32) | (index & 0xFFFF_FFFFL));
    }

    private void samplePeak(long headAfter) {
        long inUse = headAfter - (lvTail() - capacity);
        if (inUse > peakInUse) {
            peakInUse = inUse;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Blocking

    private int acquireSlow(boolean timed, long nanos) throws InterruptedException {
        final long deadline = timed ? System.nanoTime() + nanos : 0L;
        waits.increment();
        peakInUse = capacity; // waiting: every index is out
        for (int i = 0; i < SPIN_TRIES + YIELD_TRIES; i++) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            int index = tryTake();
            if (index >= 0) {
                return index;
            }
            if (timed && deadline - System.nanoTime() <= 0) {
                failedTries.increment(); // a timed acquire that ran out counts as one failed try
                return -1;
            }
            if (i < SPIN_TRIES) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        PoolWaitEvent event = new PoolWaitEvent();
        event.begin();
        try {
            int index = park(timed, deadline);
            event.acquired = index >= 0;
            return index;
        } finally {
            event.end();
            if (event.shouldCommit()) {
                event.pool = toString();
                event.capacity = capacity;
                event.commit();
            }
        }
    }

    private int park(boolean timed, long deadline) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            WAITERS.getAndAdd(this, 1);
            try {
                for (;;) {
                    int index = tryTake();
                    if (index >= 0) {
                        return index;
                    }
                    if (!timed) {
                        released.await();
                    } else {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            failedTries.increment();
                            return -1;
                        }
                        released.awaitNanos(left);
                    }
                }
            } catch (InterruptedException | RuntimeException e) {
                // We may have swallowed a signal meant for an index that is now free: pass it on.
                released.signal();
                throw e;
            } finally {
                WAITERS.getAndAdd(this, -1);
            }
        } finally {
            lock.unlock();
        }
    }

    private void signalWaiter() {
        lock.lock();
        try {
            released.signal();
        } finally {
            lock.unlock();
        }
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

    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle WAITERS;
    private static final VarHandle RING = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle OWNER = MethodHandles.arrayElementVarHandle(int[].class);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(IndexPoolHead.class, "head", long.class);
            TAIL = l.findVarHandle(IndexPoolTail.class, "tail", long.class);
            WAITERS = l.findVarHandle(IndexPool.class, "waiters", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
