package dev.iobuf.memory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Accounting of the native memory iobuf allocates for buffers, with a limit.
 *
 * <p>Memory allocated through the Foreign Function &amp; Memory API is invisible to the JVM's
 * {@code -XX:MaxDirectMemorySize}; this budget is the limit that applies to it. Every slab
 * ({@link NativeSlab}: pools, arenas, provided-buffer rings), every {@link AlignedMemory}
 * segment, every {@link MirroredRingBuffer} (its capacity, not the doubled address space) and
 * every io_uring queue mapping (the SQ and CQ rings and the SQE array, which the kernel
 * allocates for a ring and the ring maps) is reserved here before it is mapped and returned
 * when it is unmapped. Not counted: small fixed scratch memory in confined or global arenas
 * (an errno slot, a timespec, a syscall's argument struct). An allocation that would pass the limit fails with
 * {@link NativeMemoryExhaustedException} and allocates nothing.
 *
 * <p>The limit comes from the system property {@value #LIMIT_PROPERTY} (bytes, with an optional
 * {@code k}, {@code m}, {@code g} suffix) when the class loads, and can be changed at run time
 * with {@link #setLimit(long)}. The default is no limit ({@link Long#MAX_VALUE}).
 *
 * <p>Reserving is on the allocation path of slabs, never on the acquire/release path of a pool.
 */
public final class MemoryBudget {
    /** System property with the limit in bytes ({@code 512m}, {@code 4g}, ...). */
    public static final String LIMIT_PROPERTY = "iobuf.memory.limit";

    private static final AtomicLong USED = new AtomicLong();
    private static final AtomicLong PEAK = new AtomicLong();
    private static volatile long limit = parseLimit(System.getProperty(LIMIT_PROPERTY));

    private MemoryBudget() {
    }

    /** Bytes of native memory currently allocated by iobuf. */
    public static long used() {
        return USED.get();
    }

    /** The most bytes ever allocated at once. */
    public static long peak() {
        return PEAK.get();
    }

    /** The limit in bytes; {@link Long#MAX_VALUE} when unlimited. */
    public static long limit() {
        return limit;
    }

    /**
     * Sets the limit. Memory already allocated stays allocated, even if it is now over the limit;
     * only new allocations are refused.
     *
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public static void setLimit(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("memory limit must be >= 0, got " + bytes);
        }
        limit = bytes;
    }

    /**
     * Reserves {@code bytes} for an allocation that is about to happen.
     *
     * @param what names the allocation in the error message ("BufferPool SMALL x 1024 slab")
     * @throws NativeMemoryExhaustedException if the reservation would pass the limit
     */
    public static void reserve(long bytes, String what) {
        if (bytes < 0) {
            throw new IllegalArgumentException("cannot reserve " + bytes + " bytes");
        }
        long lim = limit;
        long now;
        long next;
        do {
            now = USED.get();
            next = now + bytes;
            if (next > lim || next < 0) {
                throw new NativeMemoryExhaustedException(String.format(
                        "iobuf native memory limit reached: %s needs %s but %s of %s is in use; "
                                + "raise -D%s or MemoryBudget.setLimit, or release pools you no longer use",
                        what, human(bytes), human(now), human(lim), LIMIT_PROPERTY));
            }
        } while (!USED.compareAndSet(now, next));
        PEAK.accumulateAndGet(next, Math::max);
    }

    /** Returns {@code bytes} reserved earlier, after the memory was freed. */
    public static void release(long bytes) {
        USED.addAndGet(-bytes);
    }

    /** Resets the peak to the current use (for tests and benchmark phases). */
    public static void resetPeak() {
        PEAK.set(USED.get());
    }

    static long parseLimit(String text) {
        if (text == null || text.isBlank()) {
            return Long.MAX_VALUE;
        }
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        long unit = 1;
        char last = t.charAt(t.length() - 1);
        switch (last) {
            case 'k' -> unit = 1L << 10;
            case 'm' -> unit = 1L << 20;
            case 'g' -> unit = 1L << 30;
            case 't' -> unit = 1L << 40;
            default -> { }
        }
        if (unit != 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(t), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("bad -D" + LIMIT_PROPERTY + "=" + text
                    + ": expected bytes with an optional k, m, g or t suffix", e);
        }
    }

    /** Formats a byte count for people: {@code 1.5 MiB}. */
    public static String human(long bytes) {
        if (bytes == Long.MAX_VALUE) {
            return "unlimited";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
