package dev.iobuf.uring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct io_uring_rsrc_update2} (32 bytes), the argument of
 * {@code IORING_REGISTER_BUFFERS_UPDATE} and {@code IORING_REGISTER_FILES_UPDATE2}; {@code nr_args}
 * is the struct's size.
 *
 * <pre>
 *  0          4          8             16            24       28        32
 *  +----------+----------+-------------+-------------+--------+---------+
 *  | offset   | resv     | data (u64)  | tags (u64)  | nr u32 | resv2   |
 *  +----------+----------+-------------+-------------+--------+---------+
 * </pre>
 */
final class RsrcUpdate2Layout {
    static final long OFFSET = 0;
    static final long DATA = 8;
    static final long TAGS = 16;
    static final long NR = 24;

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("offset"), JAVA_INT.withName("resv"), JAVA_LONG.withName("data"),
            JAVA_LONG.withName("tags"), JAVA_INT.withName("nr"), JAVA_INT.withName("resv2"));

    static final long BYTES = LAYOUT.byteSize();

    private RsrcUpdate2Layout() {
    }
}
