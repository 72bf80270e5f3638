package dev.iobuf.alloc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * The byte counters every backing pool keeps: bytes in use and their peak, the largest request
 * seen, and failures. One atomic add per allocation and per free; the peak and the largest
 * request are written only when they grow, so at steady state they cost a read.
 */
final class UsageCounter {
    private volatile long used;
    private volatile long peak;
    private volatile long largestRequest;
    private final LongAdder failures = new LongAdder();

    /** Notes a request of {@code size} bytes, served or not. */
    void requested(long size) {
        if (size > largestRequest) {
            raise(LARGEST, size);
        }
    }

    /** Notes a block of {@code bytes} handed out. */
    void allocated(long bytes) {
        long now = (long) USED.getAndAdd(this, bytes) + bytes;
        if (now > peak) {
            raise(PEAK, now);
        }
    }

    /** Notes a block of {@code bytes} given back. */
    void freed(long bytes) {
        USED.getAndAdd(this, -bytes);
    }

    void failed() {
        failures.increment();
    }

    long used() {
        return used;
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

    private static final VarHandle USED;
    private static final VarHandle PEAK;
    private static final VarHandle LARGEST;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            USED = l.findVarHandle(UsageCounter.class, "used", long.class);
            PEAK = l.findVarHandle(UsageCounter.class, "peak", long.class);
            LARGEST = l.findVarHandle(UsageCounter.class, "largestRequest", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
