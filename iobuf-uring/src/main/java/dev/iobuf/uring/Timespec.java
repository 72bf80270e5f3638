package dev.iobuf.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The time a TIMEOUT or LINK_TIMEOUT waits ({@link Sqe#timeout}, {@link Sqe#linkTimeout}): a
 * kernel timespec in native memory, which must stay valid until the operation was submitted.
 *
 * <pre>{@code
 * MemorySegment ts = Timespec.allocate(arena);
 * Timespec.set(ts, 50_000_000L);                          // 50 ms
 * ring.nextSqe().timeout(ts.address(), 0, 0).userData(9);
 * }</pre>
 */
public final class Timespec {
    /** Bytes of one timespec. */
    public static final long BYTES = TimespecLayout.BYTES;

    private Timespec() {
    }

    /** A zeroed timespec in {@code arena}. */
    public static MemorySegment allocate(Arena arena) {
        return arena.allocate(TimespecLayout.LAYOUT);
    }

    /** Writes {@code nanos} (0 or more) into the timespec at the start of {@code timespec}; allocates nothing. */
    public static void set(MemorySegment timespec, long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("a timespec cannot be negative, got " + nanos + " ns");
        }
        TimespecLayout.set(timespec, 0, nanos);
    }
}
