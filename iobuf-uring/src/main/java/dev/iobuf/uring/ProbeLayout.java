package dev.iobuf.uring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct io_uring_probe} (16-byte header) followed by {@code ops_len} entries of
 * {@code struct io_uring_probe_op} (8 bytes each), filled by {@code IORING_REGISTER_PROBE}.
 *
 * <pre>
 *  header                                           op i at 16 + 8*i
 *  0         1         2         4                  0     1      2          4          8
 *  +---------+---------+---------+------------+     +-----+------+----------+----------+
 *  | last_op | ops_len | resv u16| resv2[3]u32|     | op  | resv | flags u16| resv2 u32|
 *  +---------+---------+---------+------------+     +-----+------+----------+----------+
 * </pre>
 *
 * An op is supported when its {@code flags} has {@code IO_URING_OP_SUPPORTED} (1).
 */
final class ProbeLayout {
    static final long LAST_OP = 0;
    static final long OPS_LEN = 1;
    static final long OPS = 16;
    static final long OP_BYTES = 8;
    static final long OP_FLAGS = 2;
    static final int OP_SUPPORTED = 1;
    /** Entries to ask for: opcodes are a u8. */
    static final int MAX_OPS = 256;

    static final StructLayout OP = MemoryLayout.structLayout(
            JAVA_BYTE.withName("op"), JAVA_BYTE.withName("resv"), JAVA_SHORT.withName("flags"),
            JAVA_INT.withName("resv2"));
    static final StructLayout HEADER = MemoryLayout.structLayout(
            JAVA_BYTE.withName("last_op"), JAVA_BYTE.withName("ops_len"), JAVA_SHORT.withName("resv"),
            sequenceLayout(3, JAVA_INT).withName("resv2"));
    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            HEADER.withName("header"), sequenceLayout(MAX_OPS, OP).withName("ops"));

    static final long BYTES = LAYOUT.byteSize();

    private ProbeLayout() {
    }
}
