package dev.iobuf.alloc;

import dev.iobuf.internal.StripedCache;
import dev.iobuf.internal.IndexRing;
import dev.iobuf.internal.StateWords;

import dev.iobuf.memory.AlignedMemory;
import dev.iobuf.memory.MemoryBudget;
import dev.iobuf.memory.NativeSlab;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

import static dev.iobuf.alloc.BuddySystem.ALLOCATED;
import static dev.iobuf.alloc.BuddySystem.CACHED;

/**
 * A binary buddy allocator over one page-aligned arena, with a lock-free cache of blocks in front
 * of the common orders.
 *
 * <pre>{@code
 * try (BuddyPool pool = BuddyPool.builder().name("rx").arenaSize(64 << 20).build()) {
 *     long block = pool.allocate(100_000);          // a 128 KiB block
 *     if (block != Block.FAILED) {
 *         MemorySegment buf = pool.segment(block);
 *         ...
 *         pool.free(block);                         // from any thread
 *     }
 * }
 * }</pre>
 *
 * <p>Blocks are powers of two from {@link #minBlockSize()} (default: the page size) up to
 * {@link #maxBlockSize()} (default: the largest power of two that fits the arena). A request gets
 * the smallest block that holds it; every block's offset in the arena is a multiple of its size,
 * and the arena is page-aligned, so blocks of a page or more are page-aligned.
 *
 * <p>Orders up to {@link Builder#cacheMaxBlockSize(long)} have a small lock-free cache
 * ({@link Builder#cacheCapacity(int)} blocks, all caches together within
 * {@link Builder#cacheBytes(long)}): a free goes to its order's cache if there is room
 * and an allocation takes from it first, so hot sizes skip split and merge and take no lock. Split
 * and merge happen under one lock. When the buddy system cannot serve a request, the caches are
 * drained into it (so cached blocks can merge) and the request is tried once more before it fails.
 *
 * <p>{@link #allocate(long)} and {@link #free(long)} allocate nothing; {@link #segment(long)}
 * creates a view. Freeing a block twice throws {@link IllegalStateException} and changes nothing.
 */
public final class BuddyPool implements BackingPool {

    /*
     * Implementation notes.
     *
     * Two layers, after the Rust runtime this package follows: the per-order caches (StripedCache:
     * per order, one lock-free IndexRing of page numbers per stripe of threads, so two threads
     * allocating and freeing the same sizes touch different cache lines) in front of BuddySystem
     * (free lists and the free-order bitmap, under `lock`).
     *
     * Ownership of a block is carried by its head's state word (see BuddySystem):
     *   allocate from the cache: poll a page (the poll's acquire sees the freer's writes), then
     *     store ALLOCATED|k with release: the caller owns it;
     *   free: CAS ALLOCATED|k -> CACHED|k. Only one free of a block can win, so a double free
     *     fails the CAS and changes nothing, whether the block is cached, free or merged. The
     *     winner then offers the page to the cache; if the cache is full it takes the lock and
     *     hands the block to BuddySystem.free, which makes it FREE and merges it.
     * A block is in exactly one place at a time: a user, the cache ring, a free list, or the
     * hands of the one thread moving it between them.
     *
     * Caches are bounded twice: by cacheCapacity blocks per order, and by one byte budget for all
     * of them (default half the arena), so blocks parked in caches, which cannot merge, never
     * hold more than the budget of the arena. Half the budget at most goes first to a floor of
     * 8, 4 or 2 blocks per stripe for every cached order (so each stripe has a ring of its own
     * instead of all threads sharing one), then what is left in equal bytes per order on top,
     * then what rounding leaves as two shared blocks to the largest orders still without a
     * cache. The stripes of an order share its part. drainCachesLocked() moves cached blocks back under the
     * lock when the buddy system fails, which restores full coalescing.
     *
     * The state words (StateWords) and the cache rings are laid out so that two threads working
     * on their own blocks write no common cache line.
     *
     * Accounting: one atomic add per allocation and per free on the caller's stripe of the
     * UsageCounter (no shared counter on the hot path). Per-order counts are
     * not kept on the hot path; stats() walks the block heads under the lock instead.
     */

    /** Default arena: 32 MiB. */
    public static final long DEFAULT_ARENA_SIZE = 32L << 20;
    /** Default largest cached block: 1 MiB. */
    public static final long DEFAULT_CACHE_MAX_BLOCK_SIZE = 1L << 20;
    /** Default blocks per cached order: 64 (further bounded by the cache byte budget). */
    public static final int DEFAULT_CACHE_CAPACITY = 64;
    /** By default all caches together hold at most {@code 1/DEFAULT_CACHE_SHARE} of the arena. */
    public static final int DEFAULT_CACHE_SHARE = 2;
    /** An order whose cache could hold fewer blocks than this gets no cache. */
    public static final int MIN_CACHE_CAPACITY = 2;
    /** The most blocks per stripe an order's cache gets before the budget is split evenly. */
    private static final int MAX_FLOOR = 8;
    /** The most blocks of the smallest size an arena may hold: 2^30. */
    public static final long MAX_BLOCKS = 1L << 30;

    private final String name;
    private final NativeSlab slab;
    private final MemorySegment arena;
    private final long arenaSize;
    private final int minShift;
    private final int maxOrder;
    private final BuddySystem buddy;
    private final StateWords state;
    private final StripedCache caches;
    private final ReentrantLock lock = new ReentrantLock();
    private final UsageCounter usage = new UsageCounter();
    private volatile boolean closed;

    private BuddyPool(Builder b) {
        long min = b.minBlockSize > 0 ? b.minBlockSize : AlignedMemory.pageSize();
        requirePowerOfTwo(min, "minBlockSize");
        long size = AlignedMemory.alignUp(b.arenaSize, min);
        if (size > Block.MAX_OFFSET) {
            throw new IllegalArgumentException("arena of " + MemoryBudget.human(size) + " is larger than a ticket addresses ("
                    + MemoryBudget.human(Block.MAX_OFFSET + 1) + "); use several arenas (RegisteredPool.Builder.maxArenas)");
        }
        if (size / min > MAX_BLOCKS) {
            throw new IllegalArgumentException("arena of " + MemoryBudget.human(size) + " holds more than 2^30 blocks of "
                    + MemoryBudget.human(min) + ": raise minBlockSize or split the arena");
        }
        long max = b.maxBlockSize > 0 ? b.maxBlockSize : Long.highestOneBit(size);
        requirePowerOfTwo(max, "maxBlockSize");
        if (max < min || max > size) {
            throw new IllegalArgumentException("maxBlockSize " + max + " must be between minBlockSize " + min
                    + " and the arena size " + size);
        }
        this.name = b.name;
        this.arenaSize = size;
        this.minShift = Long.numberOfTrailingZeros(min);
        this.maxOrder = Long.numberOfTrailingZeros(max) - minShift;
        this.buddy = new BuddySystem((int) (size >>> minShift), maxOrder);
        this.state = buddy.state;
        int[] cacheCaps = new int[maxOrder + 1];
        int cachedOrders = 0;
        while (cachedOrders <= maxOrder && min << cachedOrders <= b.cacheMaxBlockSize) {
            cachedOrders++;
        }
        long budget = b.cacheBytes >= 0 ? b.cacheBytes : size / DEFAULT_CACHE_SHARE;
        int stripes = StripedCache.STRIPES;
        long left = budget;
        // First a floor of blocks per stripe for every cached order, the largest of 8, 4, 2 that
        // fits all of them in half the budget: each stripe then has a ring of its own, deep
        // enough for a thread that holds a few blocks of one size at once. If not even 2 fit for
        // all, 2 for as many orders as fit, smallest first. Below 2 the stripes share one ring,
        // and two threads on one ring ran a mixed workload at a quarter of the speed they
        // reached on rings of their own; with 2 rather than 4, two threads each holding 16
        // blocks ran at a third.
        long orderBytes = cachedOrders == 0 ? 0 : ((min << cachedOrders) - min); // one block of every cached order
        int perStripe = MIN_CACHE_CAPACITY;
        while (perStripe < MAX_FLOOR && 2L * perStripe * stripes * orderBytes <= budget / 2
                && 2 * perStripe * stripes <= b.cacheCapacity) {
            perStripe *= 2;
        }
        int floor = perStripe * stripes;
        for (int k = 0; k < cachedOrders && floor <= b.cacheCapacity; k++) {
            long bytes = floor * (min << k);
            if (budget - left + bytes > budget / 2) {
                break;
            }
            cacheCaps[k] = floor;
            left -= bytes;
        }
        // Then what is left in equal bytes per order, on top.
        long perOrder = cachedOrders == 0 ? 0 : left / cachedOrders;
        for (int k = 0; k < cachedOrders; k++) {
            long cap = Math.min(b.cacheCapacity, cacheCaps[k] + perOrder / (min << k));
            cacheCaps[k] = cap >= MIN_CACHE_CAPACITY ? (int) Long.highestOneBit(cap) : 0;
            budget -= cacheCaps[k] * (min << k);
        }
        // Last, what rounding down to powers of two left gives the largest orders still without a
        // cache two blocks each (one ring their stripes share) while it lasts, so they stop going
        // through the lock.
        for (int k = cachedOrders - 1; k >= 0 && b.cacheCapacity >= MIN_CACHE_CAPACITY; k--) {
            long bytes = MIN_CACHE_CAPACITY * (min << k);
            if (cacheCaps[k] == 0 && bytes <= budget) {
                cacheCaps[k] = MIN_CACHE_CAPACITY;
                budget -= bytes;
            }
        }
        this.caches = new StripedCache(cacheCaps, stripes);
        this.slab = NativeSlab.map(size, b.hugePages, "BuddyPool '" + name + "' arena");
        this.arena = slab.segment().asSlice(0, size);
    }

    /** A builder with the defaults: 32 MiB arena, page-sized smallest block, caches up to 1 MiB. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public long allocate(long size) {
        if (size < 1) {
            throw new IllegalArgumentException("allocation size must be at least 1 byte, got " + size);
        }
        if (closed) {
            throw closedException();
        }
        usage.requested(size); // served or not
        int order = orderOf(size);
        if (order > maxOrder) {
            return fail(size, "larger than the largest block " + MemoryBudget.human(maxBlockSize()));
        }
        int page = caches.poll(order);
        if (page >= 0) {
            state.setRelease(page, ALLOCATED | order);
            usage.allocated(1L << (order + minShift));
            return Block.of(0, order, (long) page << minShift);
        }
        return allocateSlow(size, order);
    }

    private long allocateSlow(long size, int order) {
        int page;
        lock.lock();
        try {
            page = buddy.allocate(order);
            if (page < 0 && drainCachesLocked() > 0) {
                page = buddy.allocate(order);
            }
        } finally {
            lock.unlock();
        }
        if (page < 0) {
            return fail(size, "arena exhausted or too fragmented");
        }
        usage.allocated(1L << (order + minShift));
        return Block.of(0, order, (long) page << minShift);
    }

    private long fail(long size, String reason) {
        usage.failed();
        AllocationFailureEvent.emit(name, size, usage.used(), largestFreeHint(), reason);
        return Block.FAILED;
    }

    @Override
    public void free(long block) {
        int order = checkBlock(block);
        if (closed) {
            throw closedException();
        }
        int page = (int) (Block.offset(block) >>> minShift);
        if (!state.compareAndSet(page, ALLOCATED | order, CACHED | order)) {
            throw new IllegalStateException("block at offset " + Block.offset(block) + " (" + MemoryBudget.human(1L << (order + minShift))
                    + ") of BuddyPool '" + name + "' is not allocated: freed twice, or freed with a stale ticket");
        }
        usage.freed(1L << (order + minShift));
        if (caches.offer(order, page)) {
            return;
        }
        lock.lock();
        try {
            buddy.free(page, order);
        } finally {
            lock.unlock();
        }
    }

    /** Checks that {@code block} could be a block of this pool; returns its order. */
    private int checkBlock(long block) {
        int order = Block.sizeClass(block);
        long off = Block.offset(block);
        if (block < 0 || Block.region(block) != 0 || order > maxOrder || off >= arenaSize
                || (off & ((1L << (order + minShift)) - 1)) != 0) {
            throw new IllegalArgumentException("not a block of BuddyPool '" + name + "': " + Block.toString(block));
        }
        return order;
    }

    @Override
    public MemorySegment segment(long block) {
        if (closed) {
            throw closedException();
        }
        return arena.asSlice(Block.offset(block), blockSize(block));
    }

    @Override
    public long blockSize(long block) {
        return 1L << (Block.sizeClass(block) + minShift);
    }

    @Override
    public List<MemorySegment> regions() {
        return List.of(arena);
    }

    @Override
    public long maxBlockSize() {
        return 1L << (maxOrder + minShift);
    }

    /** The smallest block: a request of this size or less gets one. */
    public long minBlockSize() {
        return 1L << minShift;
    }

    /** The arena's size in bytes: the builder's size rounded up to a multiple of the smallest block. */
    public long arenaSize() {
        return arenaSize;
    }

    /** The number of block sizes, {@code log2(maxBlockSize / minBlockSize) + 1}. */
    public int orders() {
        return maxOrder + 1;
    }

    /** The blocks each order's cache holds at most; 0 for an order without a cache. */
    public int cacheCapacity(int order) {
        return caches.capacity(Objects.checkIndex(order, maxOrder + 1));
    }

    /**
     * Moves every cached block back into the buddy system, where it merges with its free buddies.
     * Allocation does this by itself when the buddy system runs out; call it to measure
     * fragmentation without the caches, or before checking that everything coalesced.
     *
     * @return bytes moved
     */
    public long trimCaches() {
        lock.lock();
        try {
            return drainCachesLocked();
        } finally {
            lock.unlock();
        }
    }

    private long drainCachesLocked() {
        long bytes = 0;
        for (int k = 0; k <= maxOrder; k++) {
            int page;
            while ((page = caches.pollAny(k)) >= 0) {
                buddy.free(page, k);
                bytes += 1L << (k + minShift);
            }
        }
        return bytes;
    }

    /** The largest block the buddy system holds, read without the lock (for failure reports). */
    private long largestFreeHint() {
        long orders = buddy.freeOrders();
        return orders == 0 ? 0 : 1L << (63 - Long.numberOfLeadingZeros(orders) + minShift);
    }

    @Override
    public AllocStats stats() {
        int n = maxOrder + 1;
        long[] free = new long[n];
        long[] allocated = new long[n];
        long[] cached = new long[n];
        lock.lock();
        try {
            if (!closed) {
                buddy.census(free, allocated, cached);
            }
        } finally {
            lock.unlock();
        }
        long largestRequest = usage.largestRequest();
        long threshold = largestRequest == 0 ? 0 : 1L << (orderOf(largestRequest) + minShift);
        long freeBytes = 0;
        long fragmented = 0;
        long largestFree = 0;
        List<SizeClassStats> sizes = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            long blockSize = 1L << (k + minShift);
            long bytes = (free[k] + cached[k]) * blockSize;
            freeBytes += bytes;
            if (blockSize < threshold) {
                fragmented += bytes;
            }
            if (bytes > 0) {
                largestFree = blockSize;
            }
            sizes.add(new SizeClassStats(blockSize, allocated[k], free[k], cached[k], 0));
        }
        return new AllocStats(name, arenaSize, usage.used(), 0, usage.peak(), freeBytes, largestFree,
                largestRequest, fragmented, usage.failures(), sizes);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
        slab.close();
    }

    /** The order of the smallest block that holds {@code size} bytes. */
    private int orderOf(long size) {
        if (size <= 1L << minShift) {
            return 0;
        }
        return 64 - Long.numberOfLeadingZeros(size - 1) - minShift;
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("BuddyPool '" + name + "' is closed: its arena is unmapped; build a new pool");
    }

    private static void requirePowerOfTwo(long value, String what) {
        if (value <= 0 || Long.bitCount(value) != 1) {
            throw new IllegalArgumentException(what + " must be a power of two, got " + value);
        }
    }

    @Override
    public String toString() {
        return "BuddyPool[" + stats() + "]";
    }

    /** Configures a {@link BuddyPool}. Every size is in bytes. */
    public static final class Builder {
        private String name = "buddy";
        private long arenaSize = DEFAULT_ARENA_SIZE;
        private long minBlockSize;
        private long maxBlockSize;
        private long cacheMaxBlockSize = DEFAULT_CACHE_MAX_BLOCK_SIZE;
        private int cacheCapacity = DEFAULT_CACHE_CAPACITY;
        private long cacheBytes = -1;
        private boolean hugePages = true;

        private Builder() {
        }

        /** Names the pool in messages, statistics and JFR events. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The arena's size; rounded up to a multiple of the smallest block. Default 32 MiB. */
        public Builder arenaSize(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("arenaSize must be positive, got " + bytes);
            }
            this.arenaSize = bytes;
            return this;
        }

        /** The smallest block, a power of two. Default: the page size. */
        public Builder minBlockSize(long bytes) {
            requirePowerOfTwo(bytes, "minBlockSize");
            this.minBlockSize = bytes;
            return this;
        }

        /** The largest block, a power of two. Default: the largest power of two that fits the arena. */
        public Builder maxBlockSize(long bytes) {
            requirePowerOfTwo(bytes, "maxBlockSize");
            this.maxBlockSize = bytes;
            return this;
        }

        /** Orders whose blocks are at most this size have a cache. Default 1 MiB; 0 disables caching. */
        public Builder cacheMaxBlockSize(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("cacheMaxBlockSize must be >= 0, got " + bytes);
            }
            this.cacheMaxBlockSize = bytes;
            return this;
        }

        /**
         * Blocks each cached order holds at most, rounded down to a power of two, and never more
         * than its share of {@link #cacheBytes(long)}; an order where that leaves fewer than
         * {@link BuddyPool#MIN_CACHE_CAPACITY} blocks has no cache. Default 64; 0 disables caching.
         */
        public Builder cacheCapacity(int blocks) {
            if (blocks < 0 || blocks > 1 << 30) {
                throw new IllegalArgumentException("cacheCapacity must be 0 to 2^30, got " + blocks);
            }
            this.cacheCapacity = blocks;
            return this;
        }

        /**
         * Bytes all caches together may hold: first a few blocks per thread stripe for every
         * cached order, then split evenly. Default half the arena
         * ({@link BuddyPool#DEFAULT_CACHE_SHARE}); 0 disables caching. Cached blocks do not merge
         * until an allocation that finds no room drains them, so a larger budget costs
         * coalescing only until then.
         */
        public Builder cacheBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("cacheBytes must be >= 0, got " + bytes);
            }
            this.cacheBytes = bytes;
            return this;
        }

        /** Ask for transparent huge pages when the arena is at least 2 MiB. Default true. */
        public Builder hugePages(boolean hugePages) {
            this.hugePages = hugePages;
            return this;
        }

        /**
         * Maps the arena and builds the pool.
         *
         * @throws IllegalArgumentException if the sizes do not fit together
         * @throws dev.iobuf.memory.NativeMemoryExhaustedException over the memory limit
         */
        public BuddyPool build() {
            return new BuddyPool(this);
        }
    }
}
