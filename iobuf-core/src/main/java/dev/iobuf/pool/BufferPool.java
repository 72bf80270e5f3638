package dev.iobuf.pool;

import dev.iobuf.memory.AlignedMemory;
import dev.iobuf.memory.IoVec;
import dev.iobuf.memory.NativeSlab;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A pool of equal native buffers of one {@link Tier}, cut from one page-aligned slab.
 *
 * <pre>{@code
 * try (BufferPool pool = BufferPool.create(Tier.SMALL, 1024)) {   // 1024 x 2 KiB
 *     int i = pool.acquire();
 *     MemorySegment buf = pool.segment(i);                        // a view, never a copy
 *     ... fill buf, write it ...
 *     pool.release(i);
 * }
 * }</pre>
 *
 * <p>Buffer {@code i} is bytes {@code [i * tier().size(), (i+1) * tier().size())} of
 * {@link #slab()}: the whole pool is one region, so it can be registered with the kernel once
 * and every buffer addressed inside it. Buffers of a tier of at least a page are page-aligned;
 * smaller tiers are packed back to back (aligned to their own size). Acquire and release behave
 * as {@link IndexPool} says and allocate nothing; {@link #segment(int)} returns a view made when
 * the pool was created.
 *
 * <p>Memory is counted in {@link dev.iobuf.memory.MemoryBudget}. {@link #close()} unmaps the
 * slab; every later call, and any access through a segment obtained before, throws
 * {@link IllegalStateException}.
 */
public final class BufferPool extends IndexPool implements AutoCloseable {
    private final Tier tier;
    private final NativeSlab slab;
    private final MemorySegment[] segments;

    private BufferPool(Tier tier, int capacity, boolean hugePages, boolean cached) {
        super(capacity, cached);
        this.tier = tier;
        long bytes = (long) tier.size() * capacity();
        // Heap first: if it fails there is no mapping to leak.
        this.segments = new MemorySegment[capacity()];
        this.slab = NativeSlab.map(bytes, hugePages,
                "BufferPool " + tier + " x " + capacity() + " slab");
        try {
            MemorySegment whole = slab.segment().asSlice(0, bytes);
            for (int i = 0; i < segments.length; i++) {
                segments[i] = whole.asSlice((long) i * tier.size(), tier.size());
            }
        } catch (RuntimeException | Error e) {
            slab.close();
            throw e;
        }
        fillIndices();
    }

    /**
     * Creates a pool of {@code capacity} buffers of {@code tier}, capacity rounded up to a power of
     * two; slabs of 2 MiB and more ask for transparent huge pages.
     *
     * @throws IllegalArgumentException if {@code capacity} is below 1 or above 2^30
     * @throws dev.iobuf.memory.NativeMemoryExhaustedException over the memory limit
     */
    public static BufferPool create(Tier tier, int capacity) {
        return create(tier, capacity, true);
    }

    /** As {@link #create(Tier, int)}, choosing whether to ask for transparent huge pages. */
    public static BufferPool create(Tier tier, int capacity, boolean hugePages) {
        return builder(tier, capacity).hugePages(hugePages).build();
    }

    /** A builder of a pool of {@code capacity} buffers of {@code tier}, for the options {@link #create} leaves at their defaults. */
    public static Builder builder(Tier tier, int capacity) {
        return new Builder(Objects.requireNonNull(tier, "tier"), capacity);
    }

    /** Options of a {@link BufferPool}. */
    public static final class Builder {
        private final Tier tier;
        private final int capacity;
        private boolean hugePages = true;
        private boolean threadCaches = true;

        private Builder(Tier tier, int capacity) {
            this.tier = tier;
            this.capacity = capacity;
        }

        /** Ask for transparent huge pages for a slab of 2 MiB or more. Default true. */
        public Builder hugePages(boolean hugePages) {
            this.hugePages = hugePages;
            return this;
        }

        /**
         * Cache free indices per stripe of threads in front of the pool's ring (see
         * {@link IndexPool}). Default true; turn it off for a pool only one thread uses (an event
         * loop's), where a cache only adds work.
         */
        public Builder threadCaches(boolean threadCaches) {
            this.threadCaches = threadCaches;
            return this;
        }

        /**
         * Maps the slab and builds the pool.
         *
         * @throws IllegalArgumentException if the capacity is below 1 or above 2^30
         * @throws dev.iobuf.memory.NativeMemoryExhaustedException over the memory limit
         */
        public BufferPool build() {
            return new BufferPool(tier, capacity, hugePages, threadCaches);
        }
    }

    /** The tier: every buffer is {@code tier().size()} bytes. */
    public Tier tier() {
        checkOpen();
        return tier;
    }

    /** Buffer {@code index}: {@code tier().size()} bytes, a view into the slab. */
    public MemorySegment segment(int index) {
        if (isClosed()) {
            throw closedException();
        }
        return segments[Objects.checkIndex(index, segments.length)];
    }

    /** The native address of buffer {@code index}. */
    public long address(int index) {
        return segment(index).address();
    }

    /** The byte offset of buffer {@code index} inside {@link #slab()}. */
    public long offset(int index) {
        checkOpen();
        return (long) Objects.checkIndex(index, segments.length) * tier.size();
    }

    /**
     * The index of the buffer containing native {@code address}, or {@code -1} if the address is
     * not inside this pool's slab.
     */
    public int indexOf(long address) {
        checkOpen();
        long base = segments[0].address();
        long off = address - base;
        if (off < 0 || off >= (long) tier.size() * segments.length) {
            return -1;
        }
        return (int) (off / tier.size());
    }

    /** The whole slab: {@code capacity() * tier().size()} bytes, page-aligned. */
    public MemorySegment slab() {
        if (isClosed()) {
            throw closedException();
        }
        return slab.segment().asSlice(0, (long) tier.size() * capacity());
    }

    /** Whether the slab is backed by transparent huge pages (the kernel accepted the advice). */
    public boolean hugePages() {
        checkOpen();
        return slab.hugePages();
    }

    /** Whether buffers of this pool start on a page boundary. */
    public boolean pageAligned() {
        checkOpen();
        return AlignedMemory.isAligned(segments[0], AlignedMemory.pageSize())
                && tier.size() % AlignedMemory.pageSize() == 0;
    }

    /**
     * Takes a buffer as a handle, blocking while the pool is empty.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public PooledBuffer take() throws InterruptedException {
        return handle(acquire());
    }

    /** Takes a buffer as a handle if one is free; {@code null} when the pool is empty. */
    public PooledBuffer tryTake() {
        int index = tryAcquire();
        return index < 0 ? null : handle(index);
    }

    private PooledBuffer handle(int index) {
        // A fresh handle per take: a stale handle can never be reopened for the next owner. It is
        // one small object, which escape analysis usually removes when it does not leave the
        // caller's method; indices (acquire/release) allocate nothing at all.
        PooledBuffer h = new PooledBuffer(this, index);
        h.open();
        return h;
    }

    void releaseHandle(int index) {
        release(index);
    }

    /** A native {@code struct iovec} array naming the buffers {@code indices}, in order. */
    public IoVec ioVec(int... indices) {
        IoVec v = IoVec.allocate(Math.max(1, indices.length));
        for (int i : indices) {
            v.add(segment(i));
        }
        return v;
    }

    /**
     * Closes the pool and unmaps its slab. Threads blocked in {@link #acquire()} wake with
     * {@link IllegalStateException}. Closing twice does nothing.
     */
    @Override
    public void close() {
        super.close();
        slab.close();
    }

    @Override
    public String toString() {
        return "BufferPool[" + tier + ", " + stats() + (isClosed() ? ", closed]" : "]");
    }
}
