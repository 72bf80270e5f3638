package dev.iobuf.pool;

import dev.iobuf.internal.IndexRing;
import dev.iobuf.internal.StateWords;

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
     * Statistics. The ring's head counts takes and its tail - capacity counts releases, so those
     * are free. The peak of indices in use is computed from head and tail every
     * PEAK_SAMPLE_MASK+1 takes, and after any take that finds the next cell not full (the ring may
     * be empty: that is where the peak is); reading the tail on every take would put the
     * producers' cache line on every consumer's path. The peak has a padded line of its own
     * (IndexPoolFields). A failed tryAcquire sets it to capacity. Waits and failed tries are
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

    private final IndexRing ring;
    private final StateWords owner;
    private final int capacity;
    private volatile boolean closed;
    private volatile int waiters;
    private final LongAdder waits = new LongAdder();
    private final LongAdder failedTries = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();

    IndexPool(int requestedCapacity) {
        this.capacity = roundCapacity(requestedCapacity);
        this.ring = IndexRing.forPut(capacity);
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
        ring.put(index);
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
        return ring.size();
    }

    /** A snapshot of this pool's statistics; still answers after {@link #close()}. */
    public final PoolStats stats() {
        long h = ring.head();
        long t = ring.tail();
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
        IndexRing r = ring;
        int index = r.poll();
        if (index >= 0) {
            // Sample the in-use peak every few takes, and whenever this take may have emptied
            // the ring (the next cell is not full), where the peak is reached.
            long h = r.head();
            if ((h & PEAK_SAMPLE_MASK) == 1 || !r.isFull(h)) {
                samplePeak(h);
            }
        }
        return index;
    }

    private void samplePeak(long headAfter) {
        long inUse = headAfter - (ring.tail() - capacity);
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

    private static final VarHandle WAITERS;

    static {
        try {
            WAITERS = MethodHandles.lookup().findVarHandle(IndexPool.class, "waiters", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
