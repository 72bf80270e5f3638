package dev.iobuf.alloc;

import dev.iobuf.internal.StripedCache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * The byte counters every backing pool keeps: bytes in use and their peak, the largest request
 * seen, and failures. One atomic add per allocation and per free, on a cell of the caller's
 * stripe (see {@link StripedCache}), so threads do not contend on one counter; the peak and the
 * largest request are written only when they grow, so at steady state they cost a read.
 *
 * <p>{@link #used()} is exact whenever no call is in flight. {@link #peak()} is exact with one
 * thread; with several it is the highest total seen at the moments a stripe's own share reached
 * a new high, which can miss a peak reached while every stripe was below its own high.
 */
final class UsageCounter {
    /** Longs between two cells: 128 bytes, so no two cells share a cache line (or its prefetch pair). */
    private static final int STRIDE = 16;

    private final long[] cells;
    private final long[] highs;
    private final int mask;
    private volatile long peak;
    private volatile long largestRequest;
    private final LongAdder failures = new LongAdder();

    UsageCounter() {
        this(StripedCache.STRIPES);
    }

    UsageCounter(int stripes) {
        this.mask = stripes - 1;
        this.cells = new long[(stripes + 1) * STRIDE];
        this.highs = new long[(stripes + 1) * STRIDE];
    }

    private int cell() {
        return (((int) Thread.currentThread().threadId() & mask) + 1) * STRIDE;
    }

    /** Notes a request of {@code size} bytes, served or not. */
    void requested(long size) {
        if (size > largestRequest) {
            raise(LARGEST, size);
        }
    }

    /** Notes a block of {@code bytes} handed out. */
    void allocated(long bytes) {
        int i = cell();
        long now = (long) CELL.getAndAdd(cells, i, bytes) + bytes;
        if (now > (long) CELL.getOpaque(highs, i)) {
            CELL.setOpaque(highs, i, now);
            long total = used();
            if (total > peak) {
                raise(PEAK, total);
            }
        }
    }

    /** Notes a block of {@code bytes} given back. */
    void freed(long bytes) {
        CELL.getAndAdd(cells, cell(), -bytes);
    }

    void failed() {
        failures.increment();
    }

    long used() {
        long sum = 0;
        for (int i = STRIDE; i < cells.length; i += STRIDE) {
            sum += (long) CELL.getVolatile(cells, i);
        }
        return sum;
    }

    long peak() {
        return peak;
    }

    long largestRequest() {
        return largestRequest;
    }

    long failures() {
        return failures.sum();
    }

    /** Sets the field of {@code handle} to {@code value} if that is larger. */
    private void raise(VarHandle handle, long value) {
        long p;
        do {
            p = (long) handle.getVolatile(this);
            if (value <= p) {
                return;
            }
        } while (!handle.compareAndSet(this, p, value));
    }

    // ---------------------------------------------------------------------------------------------
    // VarHandle mechanics

    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle PEAK;
    private static final VarHandle LARGEST;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PEAK = l.findVarHandle(UsageCounter.class, "peak", long.class);
            LARGEST = l.findVarHandle(UsageCounter.class, "largestRequest", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
