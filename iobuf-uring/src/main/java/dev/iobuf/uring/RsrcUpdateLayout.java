package dev.iobuf.uring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct io_uring_rsrc_update} (16 bytes), the argument of
 * {@code IORING_REGISTER_FILES_UPDATE} (data points at s32 fds, {@code nr_args} is their count)
 * and, one per ring, of {@code IORING_(UN)REGISTER_RING_FDS} (data is the ring fd; offset -1 asks
 * the kernel to pick a slot and returns it here).
 *
 * <pre>
 *  0          4          8               16
 *  +----------+----------+---------------+
 *  | offset   | resv     | data (u64)    |
 *  +----------+----------+---------------+
 * </pre>
 */
final class RsrcUpdateLayout {
    static final long OFFSET = 0;
    static final long DATA = 8;

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("offset"), JAVA_INT.withName("resv"), JAVA_LONG.withName("data"));

    static final long BYTES = LAYOUT.byteSize();

    private RsrcUpdateLayout() {
    }
}
