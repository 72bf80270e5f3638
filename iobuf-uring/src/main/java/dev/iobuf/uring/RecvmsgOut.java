package dev.iobuf.uring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What a {@linkplain Sqe#recvmsgMultishot multishot RECVMSG} wrote into a provided buffer, as
 * liburing's {@code io_uring_recvmsg_*} helpers read it. The buffer starts with
 * {@code struct io_uring_recvmsg_out} ({@value #BYTES} bytes), then the name area (exactly the
 * {@code msg_namelen} bytes of the msghdr given to the operation), then the control area (its
 * {@code msg_controllen} bytes), then the payload; the completion's {@code res} is the bytes
 * written in all.
 *
 * <pre>{@code
 * long at = RecvmsgOut.payloadOffset(nameArea, 0);
 * int got = RecvmsgOut.payloadBytes(res, nameArea, 0);      // bytes of the payload in the buffer
 * int full = RecvmsgOut.payloadLength(buffer);             // the datagram's length (with MSG_TRUNC)
 * boolean cut = RecvmsgOut.truncated(buffer);
 * }</pre>
 *
 * <p>Every method reads at the start of the segment it is given (the provided buffer) and
 * allocates nothing.
 */
public final class RecvmsgOut {
    /** Bytes of the header, where the name area starts. */
    public static final int BYTES = 16; // RecvmsgOutLayout.BYTES, checked by LayoutTest
    /** The {@code flags} bit saying the payload did not fit in the buffer ({@code MSG_TRUNC}). */
    public static final int MSG_TRUNC = 0x20;
    /** The {@code flags} bit saying the control data did not fit ({@code MSG_CTRUNC}). */
    public static final int MSG_CTRUNC = 0x08;

    private RecvmsgOut() {
    }

    /**
     * The size of the sender's address as the protocol gave it; when it is larger than the name
     * area, only the area's bytes of it were written.
     */
    public static int nameLength(MemorySegment buffer) {
        return buffer.get(ValueLayout.JAVA_INT, RecvmsgOutLayout.NAMELEN);
    }

    /** Bytes of ancillary data written into the control area. */
    public static int controlLength(MemorySegment buffer) {
        return buffer.get(ValueLayout.JAVA_INT, RecvmsgOutLayout.CONTROLLEN);
    }

    /**
     * The payload's length as the protocol returned it: with {@code MSG_TRUNC} among the
     * operation's flags, a datagram's full length even when less of it fit in the buffer.
     */
    public static int payloadLength(MemorySegment buffer) {
        return buffer.get(ValueLayout.JAVA_INT, RecvmsgOutLayout.PAYLOADLEN);
    }

    /** The message's {@code msg_flags} ({@link #MSG_TRUNC}, {@link #MSG_CTRUNC}...). */
    public static int flags(MemorySegment buffer) {
        return buffer.get(ValueLayout.JAVA_INT, RecvmsgOutLayout.FLAGS);
    }

    /** Whether the payload was cut to fit the buffer. */
    public static boolean truncated(MemorySegment buffer) {
        return (flags(buffer) & MSG_TRUNC) != 0;
    }

    /** Where the payload starts, for a msghdr with {@code msgNameLength} and {@code msgControlLength}. */
    public static long payloadOffset(int msgNameLength, int msgControlLength) {
        return BYTES + (long) msgNameLength + msgControlLength;
    }

    /** Bytes of payload in the buffer of a completion with result {@code res} (what fit, at most the buffer's room). */
    public static int payloadBytes(int res, int msgNameLength, int msgControlLength) {
        return (int) (res - payloadOffset(msgNameLength, msgControlLength));
    }
}
