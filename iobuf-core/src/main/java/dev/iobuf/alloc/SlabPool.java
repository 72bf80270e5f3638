package dev.iobuf.alloc;

import dev.iobuf.internal.StripedCache;
import dev.iobuf.internal.IndexRing;
import dev.iobuf.internal.StateWords;

import dev.iobuf.memory.AlignedMemory;
import dev.iobuf.memory.MemoryBudget;
import dev.iobuf.memory.NativeMemoryExhaustedException;
import dev.iobuf.memory.NativeSlab;
import dev.iobuf.pool.Tier;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Several size classes of equal blocks carved from one arena, so the whole pool is one region to
 * register with the kernel.
 *
 * <pre>{@code
 * SlabPool pool = SlabPool.builder()                     // 4, 8, 16, 32, 64 KiB by default
 *         .sizeClass(4 << 10, 1024).sizeClass(16 << 10, 256)
 *         .build();                                    // larger requests: a buddy fallback
 *
 *   arena: [ 4 KiB x 1024 ][ 16 KiB x 256 ]              one mmap, one region
 * }</pre>
 *
 * <p>A request gets a block of the smallest class that holds it. A class that has run out lends
 * from the next larger class that has a free block instead of failing (counted as
 * {@link SizeClassStats#borrowed()}). A request larger than the largest class follows the
 * {@link OversizePolicy}: fail, a {@link BuddyPool} fallback (a second registered region, which
 * also serves requests when every class that fits is exhausted), or a block mapped on its own and
 * reported as unregistered.
 *
 * <p>Each class's region starts on a page boundary; blocks whose size is a multiple of the page
 * size are page-aligned. Allocation and free of a class block take no lock and allocate nothing;
 * freeing a block twice throws {@link IllegalStateException} and changes nothing.
 */
public final class SlabPool implements BackingPool {

    /*
     * Implementation notes.
     *
     * Class c owns counts[c] blocks of sizes[c] bytes at arena offsets classStart[c] + i*sizes[c].
     * Its free slots are in a IndexRing filled with 0..counts[c]-1 and used with put(): the ring
     * has at least as many cells as slots, so a free never finds it full.
     *
     * Ownership of a slot is its word in slotState (FREE or ALLOCATED), at slotBase[c] + slot:
     * allocate polls a slot (the poll's acquire orders the freer's writes before ours) and stores
     * ALLOCATED; free CASes ALLOCATED -> FREE before putting the slot back, so of two frees of one
     * block only one wins and the other throws with the pool unchanged.
     *
     * In front of each class's ring sits a StripedCache (each stripe at most CACHE_CAPACITY
     * slots, or the whole class if smaller; a cached slot is still found by any thread, so
     * caching strands nothing): frees go to the freeing thread's stripe and allocations look
     * there first, so threads sharing a pool do not all hit one ring's head and tail. A slot is in
     * exactly one place: a user, a cache, the ring, or the hands of the thread moving it.
     *
     * Borrowing walks the classes upwards from the one that fits, one poll each (a handful of
     * classes at most). Tickets carry the class that served the block, so a borrowed block goes
     * back to its own class. Fallback tickets are the buddy pool's with region 1; unregistered
     * ones are region UNREGISTERED_REGION.
     */

    /** The default classes: 4, 8, 16, 32 and 64 KiB. */
    public static final List<Long> DEFAULT_CLASS_SIZES = List.of(4L << 10, 8L << 10, 16L << 10, 32L << 10, 64L << 10);
    /** Bytes each class gets when no block count is given: 2 MiB. */
    public static final long DEFAULT_BYTES_PER_CLASS = 2L << 20;
    /** The most size classes one pool may have. */
    public static final int MAX_CLASSES = Block.MAX_SIZE_CLASS + 1;
    /** Region number of the buddy fallback's arena. */
    static final int FALLBACK_REGION = 1;

    /** Free slots each stripe of a class's cache holds at most. */
    static final int CACHE_CAPACITY = 64;

    private static final int FREE = 0;
    private static final int ALLOCATED = 1;

    private final String name;
    private final NativeSlab slab;
    private final MemorySegment arena;
    private final long[] sizes;
    private final int[] counts;
    private final long[] classStart;
    private final int[] slotBase;
    private final int[] sizeShift;
    private final StateWords slotState;
    private final IndexRing[] rings;
    private final StripedCache caches;
    private final LongAdder[] borrowed;
    private final OversizePolicy oversize;
    private final BuddyPool fallback;
    private final UnregisteredBlocks unregistered;
    private final List<MemorySegment> regions;
    private final UsageCounter usage = new UsageCounter();
    private volatile boolean closed;

    private SlabPool(Builder b) {
        TreeMap<Long, Integer> classes = new TreeMap<>(b.classes);
        if (classes.isEmpty()) {
            for (long size : DEFAULT_CLASS_SIZES) {
                classes.put(size, countFor(size, b.bytesPerClass));
            }
        }
        int n = classes.size();
        this.name = b.name;
        this.sizes = new long[n];
        this.counts = new int[n];
        this.classStart = new long[n];
        this.slotBase = new int[n];
        this.sizeShift = new int[n];
        this.rings = new IndexRing[n];
        this.borrowed = new LongAdder[n];
        long page = AlignedMemory.pageSize();
        long offset = 0;
        long slots = 0;
        int c = 0;
        for (var e : classes.entrySet()) {
            sizes[c] = e.getKey();
            counts[c] = e.getValue();
            classStart[c] = offset;
            slotBase[c] = (int) slots;
            sizeShift[c] = Long.bitCount(sizes[c]) == 1 ? Long.numberOfTrailingZeros(sizes[c]) : -1;
            offset = AlignedMemory.alignUp(Math.addExact(offset, Math.multiplyExact(sizes[c], (long) counts[c])), page);
            slots += counts[c];
            if (slots > 1 << 30 || offset > Block.MAX_OFFSET) {
                throw new IllegalArgumentException("slab pool '" + name + "' is too large: at most 2^30 blocks and 2^48 bytes");
            }
            c++;
        }
        this.slotState = new StateWords((int) slots);
        int[] cacheCaps = new int[n];
        for (c = 0; c < n; c++) {
            rings[c] = IndexRing.forPut(counts[c]);
            borrowed[c] = new LongAdder();
            for (int i = 0; i < counts[c]; i++) {
                rings[c].put(i);
            }
            cacheCaps[c] = Math.min(CACHE_CAPACITY, counts[c]) * StripedCache.STRIPES;
        }
        this.caches = new StripedCache(cacheCaps, StripedCache.STRIPES);
        this.oversize = b.oversize;
        this.unregistered = oversize == OversizePolicy.UNREGISTERED
                ? new UnregisteredBlocks("SlabPool '" + name + "' unregistered oversize block") : null;
        this.slab = NativeSlab.map(offset, b.hugePages, "SlabPool '" + name + "' arena");
        this.arena = slab.segment().asSlice(0, offset);
        BuddyPool buddy = null;
        if (oversize == OversizePolicy.BUDDY) {
            try {
                buddy = (b.fallback != null ? b.fallback : BuddyPool.builder().name(name + "-fallback")).build();
            } catch (RuntimeException | Error e) {
                slab.close();
                throw e;
            }
        }
        this.fallback = buddy;
        this.regions = buddy == null ? List.of(arena) : List.of(arena, buddy.regions().getFirst());
    }

    /**
     * A builder with the defaults: 4 to 64 KiB classes of 2 MiB each, and larger requests (or
     * requests every fitting class is out of) served by a buddy fallback of 32 MiB.
     */
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
        usage.requested(size); // served or not, in the arena or outside it
        long[] sz = sizes;
        int n = sz.length;
        int first = 0;
        while (first < n && sz[first] < size) {
            first++;
        }
        if (first == n) {
            return allocateOversize(size);
        }
        for (int c = first; c < n; c++) {
            int slot = caches.poll(c);
            if (slot < 0) {
                slot = rings[c].poll();
            }
            if (slot >= 0) {
                slotState.setRelease(slotBase[c] + slot, ALLOCATED);
                if (c != first) {
                    borrowed[c].increment();
                }
                usage.allocated(sz[c]);
                return Block.of(0, c, classStart[c] + slot * sz[c]);
            }
        }
        if (fallback != null) {
            long t = fallback.allocate(size);
            if (t != Block.FAILED) {
                return Block.withRegion(t, FALLBACK_REGION);
            }
        }
        return fail(size, "every class from " + MemoryBudget.human(sz[first]) + " up is exhausted");
    }

    private long allocateOversize(long size) {
        return switch (oversize) {
            case FAIL -> fail(size, "larger than the largest class " + MemoryBudget.human(sizes[sizes.length - 1]));
            case BUDDY -> {
                long t = fallback.allocate(size);
                yield t == Block.FAILED ? fail(size, "the buddy fallback cannot serve it") : Block.withRegion(t, FALLBACK_REGION);
            }
            case UNREGISTERED -> {
                try {
                    yield unregistered.allocate(size);
                } catch (NativeMemoryExhaustedException e) {
                    yield fail(size, e.getMessage());
                }
            }
        };
    }

    private long fail(long size, String reason) {
        usage.failed();
        AllocationFailureEvent.emit(name, size, usage.used(), largestFreeClass(), reason);
        return Block.FAILED;
    }

    @Override
    public void free(long block) {
        int region = Block.region(block);
        if (block >= 0 && region == 0) {
            int c = Block.sizeClass(block);
            int slot = slotOf(block, c);
            if (closed) {
                throw closedException();
            }
            if (!slotState.compareAndSet(slotBase[c] + slot, ALLOCATED, FREE)) {
                throw new IllegalStateException("block " + slot + " of class " + MemoryBudget.human(sizes[c]) + " of SlabPool '"
                        + name + "' is not allocated: freed twice, or freed with a stale ticket");
            }
            usage.freed(sizes[c]);
            if (!caches.offer(c, slot)) {
                rings[c].put(slot);
            }
        } else if (block >= 0 && region == FALLBACK_REGION && fallback != null) {
            fallback.free(Block.withRegion(block, 0));
        } else if (block >= 0 && region == Block.UNREGISTERED_REGION && unregistered != null) {
            if (closed) {
                throw closedException();
            }
            unregistered.free(block);
        } else {
            throw notOurs(block);
        }
    }

    /** The slot of a class block; throws if the ticket cannot name one. */
    private int slotOf(long block, int c) {
        if (c >= sizes.length) {
            throw notOurs(block);
        }
        long rel = Block.offset(block) - classStart[c];
        long slot = sizeShift[c] >= 0 ? rel >>> sizeShift[c] : rel / sizes[c];
        if (rel < 0 || slot >= counts[c] || slot * sizes[c] != rel) {
            throw notOurs(block);
        }
        return (int) slot;
    }

    private IllegalArgumentException notOurs(long block) {
        return new IllegalArgumentException("not a block of SlabPool '" + name + "': " + Block.toString(block));
    }

    @Override
    public MemorySegment segment(long block) {
        if (closed) {
            throw closedException();
        }
        return switch (Block.region(block)) {
            case 0 -> arena.asSlice(Block.offset(block), sizes[Block.sizeClass(block)]);
            case FALLBACK_REGION -> fallbackOrThrow(block).segment(Block.withRegion(block, 0));
            case Block.UNREGISTERED_REGION -> unregisteredOrThrow(block).segment(block);
            default -> throw notOurs(block);
        };
    }

    @Override
    public long blockSize(long block) {
        return switch (Block.region(block)) {
            case 0 -> sizes[Block.sizeClass(block)];
            case FALLBACK_REGION -> fallbackOrThrow(block).blockSize(Block.withRegion(block, 0));
            case Block.UNREGISTERED_REGION -> unregisteredOrThrow(block).blockSize(block);
            default -> throw notOurs(block);
        };
    }

    private BuddyPool fallbackOrThrow(long block) {
        if (fallback == null) {
            throw notOurs(block);
        }
        return fallback;
    }

    private UnregisteredBlocks unregisteredOrThrow(long block) {
        if (unregistered == null) {
            throw notOurs(block);
        }
        return unregistered;
    }

    /** The slab arena, then the buddy fallback's arena when {@link OversizePolicy#BUDDY}. */
    @Override
    public List<MemorySegment> regions() {
        return regions;
    }

    /** The largest class, or the buddy fallback's largest block when that is larger. */
    @Override
    public long maxBlockSize() {
        long max = sizes[sizes.length - 1];
        return fallback == null ? max : Math.max(max, fallback.maxBlockSize());
    }

    /** The class sizes, smallest first. */
    public List<Long> classSizes() {
        List<Long> l = new ArrayList<>(sizes.length);
        for (long s : sizes) {
            l.add(s);
        }
        return List.copyOf(l);
    }

    /** The number of blocks of each class, smallest class first. */
    public List<Integer> classCounts() {
        List<Integer> l = new ArrayList<>(counts.length);
        for (int n : counts) {
            l.add(n);
        }
        return List.copyOf(l);
    }

    /** What happens to a request larger than the largest class. */
    public OversizePolicy oversizePolicy() {
        return oversize;
    }

    /** The buddy pool behind {@link OversizePolicy#BUDDY}, or {@code null}. */
    public BuddyPool fallback() {
        return fallback;
    }

    /** Oversize blocks mapped outside the regions and not yet freed. */
    public int unregisteredBlocks() {
        return unregistered == null ? 0 : unregistered.count();
    }

    private long largestFreeClass() {
        for (int c = sizes.length - 1; c >= 0; c--) {
            if (rings[c].size() > 0 || caches.size(c) > 0) { // a hint for the failure report
                return sizes[c];
            }
        }
        return 0;
    }

    /** Statistics of the slab arena; the fallback, if any, reports its own. */
    @Override
    public AllocStats stats() {
        int n = sizes.length;
        long largestRequest = usage.largestRequest();
        long freeBytes = 0;
        long fragmented = 0;
        long largestFree = 0;
        List<SizeClassStats> classes = new ArrayList<>(n);
        for (int c = 0; c < n; c++) {
            long inUse = 0;
            for (int i = slotBase[c], end = slotBase[c] + counts[c]; i < end; i++) {
                if (slotState.getAcquire(i) == ALLOCATED) {
                    inUse++;
                }
            }
            long free = counts[c] - inUse;
            long bytes = free * sizes[c];
            freeBytes += bytes;
            if (sizes[c] < largestRequest) {
                fragmented += bytes;
            }
            if (free > 0) {
                largestFree = sizes[c];
            }
            classes.add(new SizeClassStats(sizes[c], inUse, free, 0, borrowed[c].sum()));
        }
        return new AllocStats(name, arena.byteSize(), usage.used(), unregistered == null ? 0 : unregistered.bytes(),
                usage.peak(), freeBytes, largestFree,
                largestRequest, fragmented, usage.failures(), classes);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** Unmaps the arena, the fallback's arena and every unregistered block. */
    @Override
    public void close() {
        closed = true;
        slab.close();
        if (fallback != null) {
            fallback.close();
        }
        if (unregistered != null) {
            unregistered.closeAll();
        }
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("SlabPool '" + name + "' is closed: its arena is unmapped; build a new pool");
    }

    private static int countFor(long size, long bytesPerClass) {
        return (int) Math.max(1, Math.min(1 << 30, bytesPerClass / size));
    }

    @Override
    public String toString() {
        return "SlabPool[" + stats() + "]";
    }

    /** Configures a {@link SlabPool}. Every size is in bytes. */
    public static final class Builder {
        private String name = "slab";
        private final TreeMap<Long, Integer> classes = new TreeMap<>();
        private long bytesPerClass = DEFAULT_BYTES_PER_CLASS;
        private OversizePolicy oversize = OversizePolicy.BUDDY;
        private BuddyPool.Builder fallback;
        private boolean hugePages = true;

        private Builder() {
        }

        /** Names the pool in messages, statistics and JFR events. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Adds a class of {@code count} blocks of {@code size} bytes. Giving any class replaces the
         * default classes.
         *
         * @throws IllegalArgumentException for a size below 1, a count below 1 or over 2^30, a size
         *                                  given twice, or more than {@link #MAX_CLASSES} classes
         */
        public Builder sizeClass(long size, int count) {
            if (size < 1 || count < 1 || count > 1 << 30) {
                throw new IllegalArgumentException("a size class needs a size >= 1 and 1 to 2^30 blocks, got "
                        + size + " x " + count);
            }
            if (classes.containsKey(size)) {
                throw new IllegalArgumentException("size class " + size + " is given twice; give each size once");
            }
            if (classes.size() == MAX_CLASSES) {
                throw new IllegalArgumentException("a slab pool holds at most " + MAX_CLASSES + " classes");
            }
            classes.put(size, count);
            return this;
        }

        /** Adds a class of {@code count} blocks of {@code tier.size()} bytes. */
        public Builder sizeClass(Tier tier, int count) {
            return sizeClass(tier.size(), count);
        }

        /** Adds one class per tier, each with {@link #bytesPerClass(long)} bytes (at least one block). */
        public Builder tiers(Tier... tiers) {
            for (Tier t : tiers) {
                sizeClass(t.size(), countFor(t.size(), bytesPerClass));
            }
            return this;
        }

        /**
         * Bytes per class for the default classes and {@link #tiers(Tier...)}; set it before them.
         * Default 2 MiB.
         */
        public Builder bytesPerClass(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("bytesPerClass must be positive, got " + bytes);
            }
            this.bytesPerClass = bytes;
            return this;
        }

        /**
         * What to do with a request larger than the largest class. Default {@link OversizePolicy#BUDDY}
         * with a {@link BuddyPool} of the default size ({@link BuddyPool#DEFAULT_ARENA_SIZE}); give
         * {@link OversizePolicy#UNREGISTERED} explicitly for a mapping per oversize block (the slow
         * path: about 10x fewer allocations per second under a mixed workload).
         */
        public Builder oversize(OversizePolicy policy) {
            this.oversize = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Sets {@link OversizePolicy#BUDDY} with a fallback built by {@code buddy}. */
        public Builder oversizeToBuddy(BuddyPool.Builder buddy) {
            this.oversize = OversizePolicy.BUDDY;
            this.fallback = Objects.requireNonNull(buddy, "buddy");
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
         * @throws dev.iobuf.memory.NativeMemoryExhaustedException over the memory limit
         */
        public SlabPool build() {
            return new SlabPool(this);
        }
    }
}
