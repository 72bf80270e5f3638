package dev.iobuf.uring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct io_uring_rsrc_register} (32 bytes), the argument of
 * {@code IORING_REGISTER_BUFFERS2} and {@code IORING_REGISTER_FILES2}; {@code nr_args} is the
 * struct's size.
 *
 * <pre>
 *  0        4        8              16             24             32
 *  +--------+--------+--------------+--------------+--------------+
 *  | nr u32 | flags  | resv2 (u64)  | data (u64)   | tags (u64)   |
 *  +--------+--------+--------------+--------------+--------------+
 * </pre>
 *
 * {@code data} points at iovecs (buffers) or s32 fds (files); {@code tags} at u64 tags or 0.
 * {@code flags}: {@code IORING_RSRC_REGISTER_SPARSE} 1 (data must be 0).
 */
final class RsrcRegisterLayout {
    static final long NR = 0;
    static final long FLAGS = 4;
    static final long DATA = 16;
    static final long TAGS = 24;

    static final int SPARSE = 1;

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("nr"), JAVA_INT.withName("flags"), JAVA_LONG.withName("resv2"),
            JAVA_LONG.withName("data"), JAVA_LONG.withName("tags"));

    static final long BYTES = LAYOUT.byteSize();

    private RsrcRegisterLayout() {
    }
}
