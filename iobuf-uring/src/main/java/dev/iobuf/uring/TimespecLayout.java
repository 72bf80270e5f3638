package dev.iobuf.uring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct __kernel_timespec} (16 bytes), used by TIMEOUT, LINK_TIMEOUT and timed waits.
 * Users write one through {@link Timespec}.
 *
 * <pre>
 *  0                 8                 16
 *  +-----------------+-----------------+
 *  | tv_sec (s64)    | tv_nsec (s64)   |
 *  +-----------------+-----------------+
 * </pre>
 */
final class TimespecLayout {
    static final long TV_SEC = 0;
    static final long TV_NSEC = 8;

    /** The native layout. */
    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"), JAVA_LONG.withName("tv_nsec"));

    /** Bytes of one timespec. */
    static final long BYTES = LAYOUT.byteSize();

    private TimespecLayout() {
    }

    /**
     * Writes {@code nanos} (at least 0) as a timespec at {@code offset} of {@code segment}.
     * Allocates nothing.
     */
    static void set(MemorySegment segment, long offset, long nanos) {
        segment.set(ValueLayout.JAVA_LONG, offset + TV_SEC, nanos / 1_000_000_000L);
        segment.set(ValueLayout.JAVA_LONG, offset + TV_NSEC, nanos % 1_000_000_000L);
    }
}
