package dev.iobuf.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A {@code struct msghdr} in native memory, for {@link Sqe#sendmsg}, {@link Sqe#sendmsgZc},
 * {@link Sqe#recvmsg} and {@link Sqe#recvmsgMultishot}: the peer's address (name), the iovec
 * array of the payload, the ancillary data (control). The methods write or read the msghdr at the
 * start of the segment they are given and allocate nothing, so one msghdr can be refilled for
 * every message.
 *
 * <pre>{@code
 * MemorySegment msg = MsgHdr.allocate(arena);
 * MsgHdr.set(msg, sockaddr.address(), 16, iov.address(), 1, 0, 0);
 * ring.nextSqe().sendmsg(fd, msg.address(), 0).userData(5);
 * }</pre>
 *
 * <p>The kernel reads the msghdr (and what it points at) until the operation completes; keep it
 * unchanged until then.
 */
public final class MsgHdr {
    /** Bytes of one msghdr. */
    public static final long BYTES = MsgHdrLayout.BYTES;

    private MsgHdr() {
    }

    /** A zeroed msghdr in {@code arena}. */
    public static MemorySegment allocate(Arena arena) {
        return arena.allocate(MsgHdrLayout.LAYOUT);
    }

    /**
     * Writes every field: the {@code nameLength}-byte address at {@code name} (0 and 0: none), the
     * {@code iovCount} iovecs at {@code iov}, the {@code controlLength} bytes of ancillary data at
     * {@code control} (0 and 0: none); {@code msg_flags} becomes 0.
     */
    public static void set(MemorySegment msghdr, long name, int nameLength, long iov, long iovCount,
                           long control, long controlLength) {
        msghdr.set(ValueLayout.JAVA_LONG, MsgHdrLayout.NAME, name);
        msghdr.set(ValueLayout.JAVA_INT, MsgHdrLayout.NAMELEN, nameLength);
        msghdr.set(ValueLayout.JAVA_LONG, MsgHdrLayout.IOV, iov);
        msghdr.set(ValueLayout.JAVA_LONG, MsgHdrLayout.IOVLEN, iovCount);
        msghdr.set(ValueLayout.JAVA_LONG, MsgHdrLayout.CONTROL, control);
        msghdr.set(ValueLayout.JAVA_LONG, MsgHdrLayout.CONTROLLEN, controlLength);
        msghdr.set(ValueLayout.JAVA_INT, MsgHdrLayout.FLAGS, 0);
    }

    /** Sets the address: {@code nameLength} bytes at {@code name} (0 and 0: none, e.g. a connected socket). */
    public static void name(MemorySegment msghdr, long name, int nameLength) {
        msghdr.set(ValueLayout.JAVA_LONG, MsgHdrLayout.NAME, name);
        msghdr.set(ValueLayout.JAVA_INT, MsgHdrLayout.NAMELEN, nameLength);
    }

    /** The size of the address: what was set, or after a plain RECVMSG the sender's address size. */
    public static int nameLength(MemorySegment msghdr) {
        return msghdr.get(ValueLayout.JAVA_INT, MsgHdrLayout.NAMELEN);
    }

    /** The {@code msg_flags} a plain RECVMSG reported ({@code MSG_TRUNC} 0x20: the datagram did not fit). */
    public static int flags(MemorySegment msghdr) {
        return msghdr.get(ValueLayout.JAVA_INT, MsgHdrLayout.FLAGS);
    }
}
