package dev.iobuf.uring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct io_uring_sqe} (64 bytes), one submission queue entry.
 *
 * <pre>
 *  0      1      2        4       8                16              24      28          32
 *  +------+------+--------+-------+----------------+---------------+-------+-----------+
 *  |opcode|flags | ioprio |  fd   | off / addr2    | addr          | len   | op_flags  |
 *  +------+------+--------+-------+----------------+---------------+-------+-----------+
 *  32                40          42           44                48        56         64
 *  +-----------------+-----------+------------+-----------------+---------+----------+
 *  | user_data       | buf_index | personality| file_index /    | addr3   | pad2     |
 *  |                 | buf_group |            | splice_fd_in    |         |          |
 *  +-----------------+-----------+------------+-----------------+---------+----------+
 * </pre>
 *
 * {@code op_flags} is the union of rw_flags, msg_flags, accept_flags, timeout_flags,
 * cancel_flags, poll32_events, open_flags, fsync_flags, statx_flags...; {@code off} also holds
 * accept's addrlen pointer, connect's addrlen and timeout's count.
 */
final class SqeLayout {
    static final long OPCODE = 0;
    static final long FLAGS = 1;
    static final long IOPRIO = 2;
    static final long FD = 4;
    static final long OFF = 8;
    static final long ADDR = 16;
    static final long LEN = 24;
    static final long OP_FLAGS = 28;
    static final long USER_DATA = 32;
    static final long BUF_INDEX = 40;
    static final long PERSONALITY = 42;
    static final long FILE_INDEX = 44;
    static final long ADDR3 = 48;
    static final long PAD2 = 56;

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("opcode"), JAVA_BYTE.withName("flags"), JAVA_SHORT.withName("ioprio"),
            JAVA_INT.withName("fd"), JAVA_LONG.withName("off"), JAVA_LONG.withName("addr"),
            JAVA_INT.withName("len"), JAVA_INT.withName("op_flags"), JAVA_LONG.withName("user_data"),
            JAVA_SHORT.withName("buf_index"), JAVA_SHORT.withName("personality"),
            JAVA_INT.withName("file_index"), JAVA_LONG.withName("addr3"), JAVA_LONG.withName("pad2"));

    static final long BYTES = LAYOUT.byteSize();

    private SqeLayout() {
    }
}
