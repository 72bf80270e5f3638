package dev.iobuf.uring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct io_uring_params} (120 bytes) with its {@code io_sqring_offsets} and
 * {@code io_cqring_offsets}, the argument and result of {@code io_uring_setup}.
 *
 * <pre>
 * io_uring_params
 *   0            4            8        12             16             20         24      28       40       80      120
 *   +------------+------------+--------+--------------+--------------+----------+-------+--------+--------+--------+
 *   | sq_entries | cq_entries | flags  | sq_thread_cpu| sq_thread_idle| features | wq_fd | resv[3]| sq_off | cq_off |
 *   +------------+------------+--------+--------------+--------------+----------+-------+--------+--------+--------+
 *
 * io_sqring_offsets (40 bytes, at 40)         io_cqring_offsets (40 bytes, at 80)
 *   0 head  4 tail  8 ring_mask                 0 head  4 tail  8 ring_mask
 *  12 ring_entries  16 flags  20 dropped       12 ring_entries  16 overflow  20 cqes
 *  24 array  28 resv1  32 user_addr (u64)      24 flags  28 resv1  32 user_addr (u64)
 * </pre>
 *
 * Every value is an offset into the mapped ring memory, except {@code array}, which is 0 under
 * {@code IORING_SETUP_NO_SQARRAY}.
 */
final class ParamsLayout {
    static final long SQ_ENTRIES = 0;
    static final long CQ_ENTRIES = 4;
    static final long FLAGS = 8;
    static final long SQ_THREAD_CPU = 12;
    static final long SQ_THREAD_IDLE = 16;
    static final long FEATURES = 20;
    static final long WQ_FD = 24;
    static final long SQ_OFF = 40;
    static final long CQ_OFF = 80;

    // io_sqring_offsets, relative to SQ_OFF
    static final long SQ_HEAD = 0;
    static final long SQ_TAIL = 4;
    static final long SQ_RING_MASK = 8;
    static final long SQ_RING_ENTRIES = 12;
    static final long SQ_FLAGS = 16;
    static final long SQ_DROPPED = 20;
    static final long SQ_ARRAY = 24;

    // io_cqring_offsets, relative to CQ_OFF
    static final long CQ_HEAD = 0;
    static final long CQ_TAIL = 4;
    static final long CQ_RING_MASK = 8;
    static final long CQ_RING_ENTRIES = 12;
    static final long CQ_OVERFLOW = 16;
    static final long CQ_CQES = 20;
    static final long CQ_FLAGS = 24;

    static final StructLayout SQ_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"), JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"), JAVA_INT.withName("flags"), JAVA_INT.withName("dropped"),
            JAVA_INT.withName("array"), JAVA_INT.withName("resv1"), JAVA_LONG.withName("user_addr"));
    static final StructLayout CQ_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"), JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"), JAVA_INT.withName("overflow"), JAVA_INT.withName("cqes"),
            JAVA_INT.withName("flags"), JAVA_INT.withName("resv1"), JAVA_LONG.withName("user_addr"));
    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("sq_entries"), JAVA_INT.withName("cq_entries"), JAVA_INT.withName("flags"),
            JAVA_INT.withName("sq_thread_cpu"), JAVA_INT.withName("sq_thread_idle"),
            JAVA_INT.withName("features"), JAVA_INT.withName("wq_fd"),
            sequenceLayout(3, JAVA_INT).withName("resv"),
            SQ_OFFSETS.withName("sq_off"), CQ_OFFSETS.withName("cq_off"));

    static final long BYTES = LAYOUT.byteSize();

    private ParamsLayout() {
    }
}
