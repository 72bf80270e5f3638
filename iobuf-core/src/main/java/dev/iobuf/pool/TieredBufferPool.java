package dev.iobuf.pool;

import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One {@link BufferPool} per {@link Tier}, each created on first use, so a caller asks for a size
 * and gets the smallest buffer that holds it.
 *
 * <pre>{@code
 * TieredBufferPool pools = TieredBufferPool.builder().capacity(Tier.SMALL, 4096).build();
 * long ticket = pools.acquire(1500);           // a SMALL (2 KiB) buffer
 * MemorySegment buf = pools.segment(ticket);
 * ...
 * pools.release(ticket);
 * }</pre>
 *
 * <p>A buffer is named by a {@code long} ticket that packs its tier and index
 * ({@link #tierOf(long)}, {@link #indexOf(long)}), so acquiring and releasing allocate nothing.
 * Every tier's capacity is set by the builder; tiers without an explicit capacity get enough
 * buffers to fill {@link Builder#bytesPerTier(long)} (at least one).
 */
public final class TieredBufferPool implements AutoCloseable {
    /** Default bytes per tier when no capacity is given: 4 MiB. */
    public static final long DEFAULT_BYTES_PER_TIER = 4L << 20;

    private static final Tier[] TIERS = Tier.values();

    private final int[] capacities;
    private final boolean hugePages;
    private final AtomicReferenceArray<BufferPool> pools = new AtomicReferenceArray<>(TIERS.length);
    private volatile boolean closed;

    private TieredBufferPool(Builder b) {
        this.capacities = new int[TIERS.length];
        for (Tier t : TIERS) {
            Integer c = b.capacities.get(t);
            capacities[t.ordinal()] = c != null ? c
                    : (int) Math.max(1, Math.min(IndexPool.MAX_CAPACITY, b.bytesPerTier / t.size()));
        }
        this.hugePages = b.hugePages;
    }

    /** A builder with the defaults: 4 MiB per tier, huge pages where a slab is large enough. */
    public static Builder builder() {
        return new Builder();
    }

    /** The pool of {@code tier}, created now if this is its first use. */
    public BufferPool pool(Tier tier) {
        int t = tier.ordinal();
        BufferPool p = pools.get(t);
        if (p != null) {
            return p;
        }
        return createPool(tier);
    }

    private synchronized BufferPool createPool(Tier tier) {
        if (closed) {
            throw new IllegalStateException("TieredBufferPool is closed");
        }
        BufferPool p = pools.get(tier.ordinal());
        if (p == null) {
            p = BufferPool.create(tier, capacities[tier.ordinal()], hugePages);
            pools.set(tier.ordinal(), p);
        }
        return p;
    }

    /**
     * Takes the smallest buffer that holds {@code size} bytes, blocking while its tier is empty.
     *
     * @return a ticket naming the buffer
     * @throws IllegalArgumentException if no tier holds {@code size}
     * @throws InterruptedException     if interrupted while waiting
     */
    public long acquire(long size) throws InterruptedException {
        Tier tier = Tier.forSize(size);
        return ticket(tier, pool(tier).acquire());
    }

    /**
     * Takes the smallest buffer that holds {@code size} bytes if one is free.
     *
     * @return a ticket naming the buffer, or {@code -1} if that tier is empty
     */
    public long tryAcquire(long size) {
        Tier tier = Tier.forSize(size);
        int index = pool(tier).tryAcquire();
        return index < 0 ? -1 : ticket(tier, index);
    }

    /** The buffer a ticket names. */
    public MemorySegment segment(long ticket) {
        return existing(tierOf(ticket)).segment(indexOf(ticket));
    }

    /** Gives back the buffer a ticket names. */
    public void release(long ticket) {
        release(tierOf(ticket), indexOf(ticket));
    }

    /** Gives back buffer {@code index} of {@code tier}. */
    public void release(Tier tier, int index) {
        existing(tier).release(index);
    }

    private BufferPool existing(Tier tier) {
        BufferPool p = pools.get(tier.ordinal());
        if (p == null) {
            throw new IllegalStateException("no buffer of tier " + tier + " was ever acquired from this pool");
        }
        return p;
    }

    /** The ticket of buffer {@code index} of {@code tier}. */
    public static long ticket(Tier tier, int index) {
        return ((long) tier.ordinal() << 32) | index;
    }

    /** The tier a ticket names. */
    public static Tier tierOf(long ticket) {
        int t = (int) (ticket >>> 32);
        if (ticket < 0 || t >= TIERS.length) {
            throw new IllegalArgumentException("not a buffer ticket: " + ticket);
        }
        return TIERS[t];
    }

    /** The index a ticket names. */
    public static int indexOf(long ticket) {
        if (ticket < 0) {
            throw new IllegalArgumentException("not a buffer ticket: " + ticket);
        }
        return (int) ticket;
    }

    /** The capacity the pool of {@code tier} has or will have. */
    public int capacity(Tier tier) {
        return IndexPool.roundCapacity(capacities[tier.ordinal()]);
    }

    /** Statistics of every tier created so far. */
    public Map<Tier, PoolStats> stats() {
        Map<Tier, PoolStats> m = new EnumMap<>(Tier.class);
        for (Tier t : TIERS) {
            BufferPool p = pools.get(t.ordinal());
            if (p != null) {
                m.put(t, p.stats());
            }
        }
        return m;
    }

    /** Closes every tier's pool. */
    @Override
    public synchronized void close() {
        closed = true;
        for (Tier t : TIERS) {
            BufferPool p = pools.get(t.ordinal());
            if (p != null) {
                p.close();
            }
        }
    }

    /** Builds a {@link TieredBufferPool}. */
    public static final class Builder {
        private final Map<Tier, Integer> capacities = new EnumMap<>(Tier.class);
        private long bytesPerTier = DEFAULT_BYTES_PER_TIER;
        private boolean hugePages = true;

        private Builder() {
        }

        /** Buffers in {@code tier}'s pool (rounded up to a power of two). */
        public Builder capacity(Tier tier, int capacity) {
            Objects.requireNonNull(tier, "tier");
            IndexPool.roundCapacity(capacity);
            capacities.put(tier, capacity);
            return this;
        }

        /** Bytes of buffers for every tier without an explicit capacity. */
        public Builder bytesPerTier(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("bytes per tier must be positive, got " + bytes);
            }
            this.bytesPerTier = bytes;
            return this;
        }

        /** Whether slabs of 2 MiB and more ask for transparent huge pages (default true). */
        public Builder hugePages(boolean hugePages) {
            this.hugePages = hugePages;
            return this;
        }

        public TieredBufferPool build() {
            return new TieredBufferPool(this);
        }
    }
}
