package dev.iobuf.alloc;

import dev.iobuf.memory.MemoryBudget;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * A {@link BufPool} over one or more arenas ({@link BackingPool}s) whose regions are registered
 * with the kernel once, through a {@link BufferRegistrar}; every handle carries its registered
 * buffer index and its offset inside that buffer.
 *
 * <pre>{@code
 * RegisteredPool pool = RegisteredPool.builder(registrar,
 *                 () -> BuddyPool.builder().arenaSize(64 << 20).build())
 *         .name("rx").maxArenas(4)
 *         .build();                                   // maps arena 1 and registers its regions
 * try (FixedBuf buf = pool.allocate(16 << 10)) {            // with iobuf-uring's IoUring:
 *     ring.nextSqe().readFixed(fd, buf, 16 << 10, fileOffset).userData(1);  // READ_FIXED into buf
 *     ring.submitAndWait(1);
 * }
 * }</pre>
 *
 * <p>Building registers the first arena with {@link BufferRegistrar#register(List)}. When every
 * arena is exhausted and fewer than {@link Builder#maxArenas(int)} exist, the pool grows by one
 * arena from the factory and registers only its regions, with {@link BufferRegistrar#add(List)}.
 * One pool per registrar: the registrar's table is this pool's. Closing the pool unregisters the
 * table (it does not close the registrar) and unmaps the arenas.
 */
public final class RegisteredPool implements BufPool {

    /*
     * Implementation notes.
     *
     * `arenas` is a copy-on-write array, replaced only under the pool's monitor when growing, so
     * allocation reads it once without a lock. Allocation starts at the arena that served last
     * (`current`, a hint: a racy write loses nothing but a little locality) and tries each once;
     * only when all fail does it take the monitor to grow, and a thread that finds the array
     * replaced meanwhile retries instead of growing again.
     *
     * Handles are fresh objects (see FixedBuf); `allocations` and `releases` count them so
     * outstanding() works at every leak-detection level.
     */

    private record Arena(BackingPool pool, int[] indices) {
    }

    private final String name;
    private final BufferRegistrar registrar;
    private final Supplier<? extends BackingPool> factory;
    private final int maxArenas;
    private final LeakDetector leaks;
    private final LongAdder allocations = new LongAdder();
    private final LongAdder releases = new LongAdder();
    private volatile Arena[] arenas;
    private volatile int current;
    private volatile boolean closed;

    private RegisteredPool(Builder b) {
        this.name = b.name;
        this.registrar = b.registrar;
        this.factory = b.factory;
        this.maxArenas = b.maxArenas;
        this.leaks = b.leaks;
        BackingPool first = newArena();
        int[] indices;
        try {
            indices = checkIndices(registrar.register(first.regions()), first);
        } catch (RuntimeException | Error e) {
            first.close();
            throw e;
        }
        this.arenas = new Arena[] {new Arena(first, indices)};
    }

    /**
     * A builder for a pool whose arenas come from {@code arenas} and are registered through
     * {@code registrar}.
     */
    public static Builder builder(BufferRegistrar registrar, Supplier<? extends BackingPool> arenas) {
        return new Builder(registrar, arenas);
    }

    @Override
    public FixedBuf allocate(long size) {
        FixedBuf buf = tryAllocate(size);
        if (buf == null) {
            throw exhausted(size);
        }
        return buf;
    }

    @Override
    public FixedBuf tryAllocate(long size) {
        for (;;) {
            if (closed) {
                throw new IllegalStateException("RegisteredPool '" + name + "' is closed; build a new pool");
            }
            Arena[] a = arenas;
            int n = a.length;
            int start = current;
            if (start >= n) {
                start = 0; // arenas and current are two reads: others may have grown the pool between them
            }
            for (int i = 0; i < n; i++) {
                int k = start + i < n ? start + i : start + i - n;
                long block = a[k].pool.allocate(size);
                if (block != Block.FAILED) {
                    if (k != start) {
                        current = k;
                    }
                    return open(a[k], block);
                }
            }
            if (n >= maxArenas || size > a[0].pool.maxBlockSize() || !grow(a)) {
                return null;
            }
        }
    }

    private FixedBuf open(Arena arena, long block) {
        int region = Block.region(block);
        boolean registered = region != Block.UNREGISTERED_REGION;
        FixedBuf buf = new FixedBuf(this, arena.pool, block,
                registered ? arena.indices[region] : FixedBuf.UNREGISTERED,
                registered ? Block.offset(block) : FixedBuf.UNREGISTERED, releases);
        allocations.increment();
        buf.tracker(leaks.track(buf, name, buf.capacity(), registered));
        return buf;
    }

    /** Adds an arena unless another thread did since {@code seen}; false when at the limit. */
    private synchronized boolean grow(Arena[] seen) {
        Arena[] now = arenas;
        if (now != seen) {
            return true;
        }
        if (closed || now.length >= maxArenas) {
            return false;
        }
        BackingPool pool = newArena();
        int[] indices;
        try {
            indices = checkIndices(registrar.add(pool.regions()), pool);
        } catch (RuntimeException | Error e) {
            pool.close();
            throw e;
        }
        Arena[] next = Arrays.copyOf(now, now.length + 1);
        next[now.length] = new Arena(pool, indices);
        arenas = next;
        current = now.length;
        return true;
    }

    private BackingPool newArena() {
        BackingPool pool = Objects.requireNonNull(factory.get(), "the arena factory returned null");
        if (pool.regions().size() > Block.MAX_REGIONS) {
            pool.close();
            throw new IllegalArgumentException("arena '" + pool.name() + "' lists " + pool.regions().size()
                    + " regions; a ticket addresses at most " + Block.MAX_REGIONS);
        }
        return pool;
    }

    private int[] checkIndices(int[] indices, BackingPool pool) {
        if (indices == null || indices.length != pool.regions().size()) {
            throw new IllegalStateException("the registrar returned " + (indices == null ? "null" : indices.length + " indices")
                    + " for " + pool.regions().size() + " regions of arena '" + pool.name() + "'; it must return one per region");
        }
        return indices.clone();
    }

    private PoolExhaustedException exhausted(long size) {
        Arena[] a = arenas;
        long largest = 0;
        long used = 0;
        long total = 0;
        for (Arena arena : a) {
            AllocStats s = arena.pool.stats();
            largest = Math.max(largest, s.largestFreeBlock());
            used += s.usedBytes();
            total += s.arenaBytes();
        }
        String why = size > a[0].pool.maxBlockSize()
                ? "the request is larger than the largest block " + MemoryBudget.human(a[0].pool.maxBlockSize())
                + "; configure larger blocks or an oversize policy"
                : a.length + " of at most " + maxArenas + " arena(s) are full (" + MemoryBudget.human(used) + " of "
                + MemoryBudget.human(total) + " in use, largest free block " + MemoryBudget.human(largest)
                + "); raise maxArenas or the arena size, or close buffers sooner";
        return new PoolExhaustedException("RegisteredPool '" + name + "' cannot serve " + MemoryBudget.human(size) + ": " + why);
    }

    /** The arenas, in the order they were added. */
    public List<BackingPool> arenas() {
        List<BackingPool> l = new ArrayList<>();
        for (Arena a : arenas) {
            l.add(a.pool);
        }
        return List.copyOf(l);
    }

    /** The registered indices of arena {@code arena}'s regions, in region order. */
    public int[] registeredIndices(int arena) {
        Arena[] a = arenas;
        return a[Objects.checkIndex(arena, a.length)].indices.clone();
    }

    /** Statistics of each arena, in order. */
    public List<AllocStats> arenaStats() {
        List<AllocStats> l = new ArrayList<>();
        for (Arena a : arenas) {
            l.add(a.pool.stats());
        }
        return l;
    }

    /** Handles allocated since the pool was built. */
    public long allocations() {
        return allocations.sum();
    }

    @Override
    public long outstanding() {
        return allocations.sum() - releases.sum();
    }

    @Override
    public void assertNoOutstanding() {
        long n = outstanding();
        if (n == 0) {
            return;
        }
        StringBuilder sb = new StringBuilder().append(n).append(" FixedBuf handle(s) of pool '").append(name)
                .append("' were not closed");
        List<LeakReport> tracked = leaks.outstanding(name);
        if (tracked.isEmpty()) {
            sb.append("; use LeakDetector.paranoid(...) to see where each was acquired");
        } else {
            sb.append("; ").append(tracked.size()).append(" tracked:");
            for (LeakReport r : tracked) {
                sb.append('\n').append(r);
            }
        }
        throw new AssertionError(sb.toString());
    }

    @Override
    public LeakDetector leakDetector() {
        return leaks;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** The registrar this pool registers through. */
    public BufferRegistrar registrar() {
        return registrar;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (registrar.isRegistered()) {
                registrar.unregister();
            }
        } finally {
            for (Arena a : arenas) {
                a.pool.close();
            }
        }
    }

    @Override
    public String toString() {
        return "RegisteredPool['" + name + "', " + arenas.length + "/" + maxArenas + " arena(s), outstanding="
                + outstanding() + "]";
    }

    /** Configures a {@link RegisteredPool}. */
    public static final class Builder {
        private final BufferRegistrar registrar;
        private final Supplier<? extends BackingPool> factory;
        private String name = "registered";
        private int maxArenas = 1;
        private LeakDetector leaks = LeakDetector.defaultDetector();

        private Builder(BufferRegistrar registrar, Supplier<? extends BackingPool> factory) {
            this.registrar = Objects.requireNonNull(registrar, "registrar");
            this.factory = Objects.requireNonNull(factory, "arena factory");
        }

        /** Names the pool in messages and leak reports. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The most arenas the pool may grow to. Default 1: no growth. */
        public Builder maxArenas(int maxArenas) {
            if (maxArenas < 1) {
                throw new IllegalArgumentException("maxArenas must be at least 1, got " + maxArenas);
            }
            this.maxArenas = maxArenas;
            return this;
        }

        /** The leak detector for this pool's handles. Default {@link LeakDetector#defaultDetector()}. */
        public Builder leakDetector(LeakDetector leaks) {
            this.leaks = Objects.requireNonNull(leaks, "leaks");
            return this;
        }

        /**
         * Creates the first arena and registers its regions.
         *
         * @throws IllegalStateException if the registrar already has registered regions or is closed
         */
        public RegisteredPool build() {
            return new RegisteredPool(this);
        }
    }
}
