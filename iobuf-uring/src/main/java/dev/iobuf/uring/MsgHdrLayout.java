package dev.iobuf.uring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct msghdr} (56 bytes on LP64), the argument of SENDMSG, SENDMSG_ZC and RECVMSG.
 * Users write one through {@link MsgHdr}.
 *
 * <pre>
 *  offset  field           type
 *   0      msg_name        pointer   the peer's address (sockaddr), or 0
 *   8      msg_namelen     u32       its size (then 4 bytes of padding)
 *  16      msg_iov         pointer   struct iovec array
 *  24      msg_iovlen      size_t    entries in it
 *  32      msg_control     pointer   ancillary data, or 0
 *  40      msg_controllen  size_t    its size
 *  48      msg_flags       int       flags of a received message (then 4 bytes of padding)
 * </pre>
 */
final class MsgHdrLayout {
    static final long NAME = 0;
    static final long NAMELEN = 8;
    static final long IOV = 16;
    static final long IOVLEN = 24;
    static final long CONTROL = 32;
    static final long CONTROLLEN = 40;
    static final long FLAGS = 48;

    /** The native layout. */
    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("msg_name"), JAVA_INT.withName("msg_namelen"), MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("msg_iov"), JAVA_LONG.withName("msg_iovlen"),
            JAVA_LONG.withName("msg_control"), JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"), MemoryLayout.paddingLayout(4));

    /** Bytes of one msghdr. */
    static final long BYTES = LAYOUT.byteSize();

    private MsgHdrLayout() {
    }
}
