package dev.iobuf.uring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct io_uring_recvmsg_out} (16 bytes): the header a multishot RECVMSG writes at the
 * start of each provided buffer, followed by the name area ({@code msg_namelen} bytes of the
 * msghdr it was given), the control area ({@code msg_controllen} bytes), then the payload. Users
 * read one through {@link RecvmsgOut}.
 *
 * <pre>
 *  0             4                8                12           16
 *  +-------------+----------------+----------------+------------+
 *  | namelen u32 | controllen u32 | payloadlen u32 | flags u32  |
 *  +-------------+----------------+----------------+------------+
 * </pre>
 */
final class RecvmsgOutLayout {
    static final long NAMELEN = 0;
    static final long CONTROLLEN = 4;
    static final long PAYLOADLEN = 8;
    static final long FLAGS = 12;

    /** The native layout. */
    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("namelen"), JAVA_INT.withName("controllen"),
            JAVA_INT.withName("payloadlen"), JAVA_INT.withName("flags"));

    /** Bytes of the header. */
    static final long BYTES = LAYOUT.byteSize();

    private RecvmsgOutLayout() {
    }
}
