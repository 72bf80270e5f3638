package dev.iobuf.pool;

import dev.iobuf.internal.IndexRing;
import dev.iobuf.internal.StateWords;
import dev.iobuf.internal.StripedCache;

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
 *
 * <p>Caches. A pool made with thread caches (the default of {@link BufferPool#create} and
 * {@link BoundedPool#create(int)}) keeps a few free indices per stripe of threads (threads are
 * spread by thread id over the processor count rounded up to a power of two stripes, at most
 * 16; none on one processor) in front of its shared ring: a release parks the index in the releasing thread's stripe, an acquire looks there first,
 * so threads on different cores mostly touch different cache lines. Nothing is owned by a thread,
 * so nothing is stranded when a thread ends, and virtual threads need no clean-up. What stays
 * exact with caches: one owner per index, double releases caught (also when two threads race),
 * {@code tryAcquire()} returning {@code -1} only when no index was free anywhere at one moment
 * (it takes indices from other stripes before saying so), a blocked acquirer woken by a release
 * into any cache, {@link #available()} counting cached indices as free, and the statistics
 * (acquires, releases, in use) counting every take and release wherever the index was. A pool
 * only one thread uses (an event loop's) is better made without caches
 * ({@link BufferPool.Builder#threadCaches}, {@link BoundedPool#create(int, boolean)}).
 */
public abstract sealed class IndexPool extends IndexPoolPad2 permits BoundedPool, BufferPool {

    /*
     * Implementation notes.
     *
     * The ring. The free indices sit in an IndexRing (dev.iobuf.internal), the one bounded MPMC
     * ring of the project, shared with the allocators' caches and free lists: see its notes for
     * why no index is taken one lap late and why a take never reports empty while a completed
     * release sits behind an unfinished one (which keeps tryAcquire linearizable). The pool uses
     * its put() way in: it holds at most capacity indices (each is put only after it was taken),
     * so a put never finds the ring full. The ring's cells and counters are padded, so acquirers
     * and releasers do not false-share.
     *
     * Ownership. The owner word of index i is FREE, TAKEN or UNFILLED, in StateWords (spread so
     * that threads releasing neighbouring indices do not write one cache line). release(i) CASes
     * TAKEN -> FREE before putting i in the ring, so a double release fails the CAS and changes
     * nothing; acquire sets TAKEN after the take (the taker is the only thread that may touch it
     * then). The range check and this CAS are the only work release does beyond the ring.
     *
     * Blocking. acquire spins (Thread.onSpinWait), then yields, then parks on a Condition. A
     * release reads `waiters` after its put (a getAndAdd on the ring's tail) and signals if it is
     * non-zero. A waiter increments `waiters` (under the lock) before its last tryAcquire, which
     * reads the tail when the ring looks empty. Both are volatile accesses in one synchronization
     * order: either the waiter's read of the tail sees the put (and it takes the index), or the
     * releaser's read of waiters sees the waiter (and signals it; the lock makes sure the waiter
     * is already in await). No wake-up is lost and nobody sleeps in fixed steps.
     *
     * Caches. Optionally a StripedCache of small IndexRings (offer/poll), one per stripe of
     * threads, sits in front of the ring. release puts into the caller's stripe, or the ring when
     * that is full; take polls the caller's stripe, then the ring, then every stripe. An index is
     * always in exactly one place: owned, in one cache ring, or in the main ring. A take that finds
     * nothing returns -1 only after a double collect: the count of indices ever put into any ring
     * (the sum of their tails, which only grow) is read before the scan and again after it, and -1
     * is returned only when it did not change, so at the end of the scan every ring was empty at
     * once (each was empty when polled and nothing was added since). Otherwise the scan runs again.
     * The blocking protocol below holds with caches: a put into a cache is a CAS on that ring's
     * tail, a volatile write the releaser makes before reading waiters, and a waiter's last
     * tryAcquire reads those tails. The scan is lock-free, not wait-free: a take that finds
     * nothing while releases keep landing scans again (each rescan means some release completed).
     * It starts at the stripe after the caller's, so threads on the slow path spread out.
     *
     * Statistics. The heads of all rings count takes and their tails - capacity count releases, so
     * those are free. The peak of indices in use is computed from head and tail every
     * PEAK_SAMPLE_MASK+1 takes, and after any take that finds the next cell not full (the ring may
     * be empty: that is where the peak is); reading the tail on every take would put the
     * producers' cache line on every consumer's path. The peak has a padded line of its own
     * (IndexPoolFields); every writer raises it with a CAS-max, so racing samples never lower it.
     * A failed tryAcquire raises it to capacity. Waits and failed tries are
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

    /**
     * Indices one stripe's cache holds at most. A stripe holds at most this, at least 2, and
     * otherwise a share of half the pool.
     */
    static final int CACHE_PER_STRIPE = 64;

    /** Maximum capacity: 2^30. */
    public static final int MAX_CAPACITY = 1 << 30;

    private final IndexRing ring;
    /** Free indices parked per stripe of threads in front of the ring; null for a pool without caches. */
    private final StripedCache cache;
    private final StateWords owner;
    private final int capacity;
    private volatile boolean closed;
    private volatile int waiters;
    private final LongAdder waits = new LongAdder();
    private final LongAdder failedTries = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();

    IndexPool(int requestedCapacity, boolean cached) {
        this.capacity = roundCapacity(requestedCapacity);
        this.ring = IndexRing.forPut(capacity);
        int stripes = StripedCache.STRIPES;
        int perStripe = Math.max(2, Math.min(CACHE_PER_STRIPE, capacity / (2 * stripes)));
        this.cache = cached && stripes > 1 ? new StripedCache(new int[] {perStripe * stripes}, stripes) : null;
        this.owner = new StateWords(capacity);
        for (int i = 0; i < capacity; i++) {
            owner.setPlain(i, UNFILLED); // nothing is in the pool until it is filled, and nothing can be released
        }
    }

    /** Rounds a requested capacity up to a power of two, checking the bounds of the contract. */
    static int roundCapacity(int requested) {
        if (requested < 1 || requested > MAX_CAPACITY) {
            throw new IllegalArgumentException(
                    "pool capacity must be between 1 and 2^30 (1073741824), got " + requested);
        }
        return IndexRing.roundCapacity(requested);
    }

    /** Puts every index into the pool once; called by subclasses when their items exist. */
    final void fillIndices() {
        for (int i = 0; i < capacity; i++) {
            owner.setRelease(i, FREE);
            ring.put(i);
        }
    }

    /** Whether the indices were put into the pool (by {@code fill}, or at creation). */
    final boolean filled() {
        return ring.tail() >= capacity;
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
            raisePeak(capacity);
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
            owner.setPlain(index, TAKEN); // only the taker touches its owner word until it releases
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
        if (!owner.compareAndSet(index, TAKEN, FREE)) {
            throw new IllegalStateException("index " + index + " is not acquired: double release?");
        }
        StripedCache c = cache;
        if (c == null || !c.own(0).offer(index)) {
            ring.put(index);
        }
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
        return owner.getAcquire(index) == TAKEN;
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
        return cache == null ? ring.size() : (int) Math.min(capacity, ring.size() + cache.size(0));
    }

    /** A snapshot of this pool's statistics; still answers after {@link #close()}. */
    public final PoolStats stats() {
        long h = takes();
        long t = puts();
        long releases = Math.max(0, t - capacity);
        int avail = (int) Math.max(0, Math.min(capacity, t - h));
        int inUse = filled() ? capacity - avail : 0;
        long peak = Math.max((long) PEAK.getVolatile(this), inUse);
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

    /** Takes a free index: from the caller's stripe of the cache, then the ring, then any stripe; -1 when none is free. */
    private int take() {
        StripedCache c = cache;
        if (c != null) {
            IndexRing own = c.own(0);
            int index = own.poll();
            if (index >= 0) {
                sampleAfterTake(own);
                return index;
            }
        }
        int index = ring.poll();
        if (index >= 0) {
            sampleAfterTake(ring);
            return index;
        }
        return c == null ? -1 : takeAnywhere(c);
    }

    /**
     * Samples the in-use peak after a take from {@code from}: every few takes, and whenever this
     * take may have taken the last free index (the next cell of {@code from} is not full and, for
     * a stripe of the cache, the ring looks empty too), where the peak is reached.
     */
    private void sampleAfterTake(IndexRing from) {
        long h = from.head();
        if ((h & PEAK_SAMPLE_MASK) == 1 || (!from.isFull(h) && (from == ring || ring.size() == 0))) {
            samplePeak();
        }
    }

    /**
     * Takes an index from any stripe or the ring; -1 only when at one moment none held one: every
     * structure was found empty while no index was added to any of them (the counts of indices
     * ever added, read before and after, are equal), so -1 is as exact as without a cache.
     */
    private int takeAnywhere(StripedCache c) {
        for (;;) {
            long before = puts();
            int index = c.pollAny(0);
            if (index < 0) {
                index = ring.poll();
            }
            if (index >= 0) {
                samplePeak();
                return index;
            }
            if (puts() == before) {
                return -1;
            }
        }
    }

    /** Indices ever taken, from the ring and the cache. */
    private long takes() {
        return cache == null ? ring.head() : ring.head() + cache.polled(0);
    }

    /** Indices ever put, into the ring (the fill included) and the cache. */
    private long puts() {
        return cache == null ? ring.tail() : ring.tail() + cache.offered(0);
    }

    /** Raises the peak to {@code inUse} if that is higher; never lowers it, whoever races (a CAS-max). */
    private void raisePeak(long inUse) {
        long p;
        while (inUse > (p = (long) PEAK.getVolatile(this))) {
            if (PEAK.compareAndSet(this, p, inUse)) {
                return;
            }
        }
    }

    private void samplePeak() {
        long inUse = takes() - (puts() - capacity);
        raisePeak(inUse);
    }

    // ---------------------------------------------------------------------------------------------
    // Blocking

    private int acquireSlow(boolean timed, long nanos) throws InterruptedException {
        final long deadline = timed ? System.nanoTime() + nanos : 0L;
        waits.increment();
        raisePeak(capacity); // waiting: every index is out
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

    private static final VarHandle WAITERS;
    private static final VarHandle PEAK;

    static {
        try {
            WAITERS = MethodHandles.lookup().findVarHandle(IndexPool.class, "waiters", int.class);
            PEAK = MethodHandles.lookup().findVarHandle(IndexPoolPeak.class, "peakInUse", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
