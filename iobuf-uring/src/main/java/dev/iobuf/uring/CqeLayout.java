package dev.iobuf.uring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct io_uring_cqe} (16 bytes), one completion queue entry.
 *
 * <pre>
 *  0                 8          12         16
 *  +-----------------+----------+----------+
 *  | user_data (u64) | res (s32)| flags    |
 *  +-----------------+----------+----------+
 * </pre>
 *
 * {@code res} is the operation's result or {@code -errno}; the upper 16 bits of {@code flags}
 * carry the provided buffer's id when {@code IORING_CQE_F_BUFFER} is set.
 */
final class CqeLayout {
    static final long USER_DATA = 0;
    static final long RES = 8;
    static final long FLAGS = 12;

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("user_data"), JAVA_INT.withName("res"), JAVA_INT.withName("flags"));

    static final long BYTES = LAYOUT.byteSize();

    private CqeLayout() {
    }
}
