package dev.iobuf.uring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct io_uring_getevents_arg} (24 bytes), passed to {@code io_uring_enter} with
 * {@code IORING_ENTER_EXT_ARG} (kernel 5.11, {@code IORING_FEAT_EXT_ARG}); {@code argsz} is the
 * struct's size.
 *
 * <pre>
 *  0                 8               12               16                24
 *  +-----------------+---------------+----------------+-----------------+
 *  | sigmask (u64)   | sigmask_sz u32| min_wait_usec  | ts (u64 pointer)|
 *  +-----------------+---------------+----------------+-----------------+
 * </pre>
 */
final class GeteventsArgLayout {
    static final long SIGMASK = 0;
    static final long SIGMASK_SZ = 8;
    static final long MIN_WAIT_USEC = 12;
    static final long TS = 16;

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("sigmask"), JAVA_INT.withName("sigmask_sz"),
            JAVA_INT.withName("min_wait_usec"), JAVA_LONG.withName("ts"));

    static final long BYTES = LAYOUT.byteSize();

    private GeteventsArgLayout() {
    }
}
