package dev.iobuf.uring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct io_uring_buf_reg} (40 bytes), the argument of
 * {@code IORING_REGISTER_PBUF_RING} / {@code IORING_UNREGISTER_PBUF_RING}.
 *
 * <pre>
 *  0                 8                12        14        16          20              40
 *  +-----------------+----------------+---------+---------+-----------+---------------+
 *  | ring_addr (u64) | ring_entries   | bgid u16| flags   | min_left  | resv[5] (u32) |
 *  +-----------------+----------------+---------+---------+-----------+---------------+
 * </pre>
 *
 * {@code flags}: {@code IOU_PBUF_RING_MMAP} 1, {@code IOU_PBUF_RING_INC} 2.
 */
final class BufRegLayout {
    static final long RING_ADDR = 0;
    static final long RING_ENTRIES = 8;
    static final long BGID = 12;
    static final long FLAGS = 14;
    static final long MIN_LEFT = 16;

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("ring_addr"), JAVA_INT.withName("ring_entries"),
            JAVA_SHORT.withName("bgid"), JAVA_SHORT.withName("flags"), JAVA_INT.withName("min_left"),
            sequenceLayout(5, JAVA_INT).withName("resv"));

    static final long BYTES = LAYOUT.byteSize();

    private BufRegLayout() {
    }
}
