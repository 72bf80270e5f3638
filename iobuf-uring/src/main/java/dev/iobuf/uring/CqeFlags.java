package dev.iobuf.uring;

/**
 * The CQE's {@code flags} ({@code IORING_CQE_F_*}) and how to read them. All methods are pure
 * functions of the flags value, for use inside a {@link CqeHandler}.
 */
public final class CqeFlags {
    /** The upper 16 bits hold the id of the provided buffer the operation used. */
    public static final int BUFFER = 1;
    /** More CQEs will follow for this request (multishot, or SEND_ZC's notification). */
    public static final int MORE = 1 << 1;
    /** The socket had more data to read after this receive. */
    public static final int SOCK_NONEMPTY = 1 << 2;
    /** This is SEND_ZC's notification: the kernel no longer uses the buffer. */
    public static final int NOTIF = 1 << 3;
    /** With an incremental buffer ring: the kernel keeps using this buffer; do not recycle it yet. */
    public static final int BUF_MORE = 1 << 4;
    /** Shift from {@code flags} to the buffer id. */
    public static final int BUFFER_SHIFT = 16;

    private CqeFlags() {
    }

    /** Whether a provided buffer was used. */
    public static boolean hasBuffer(int flags) {
        return (flags & BUFFER) != 0;
    }

    /** The provided buffer's id; meaningful only when {@link #hasBuffer(int)}. */
    public static int bufferId(int flags) {
        return flags >>> BUFFER_SHIFT;
    }

    /** Whether more CQEs will come for the same request. */
    public static boolean hasMore(int flags) {
        return (flags & MORE) != 0;
    }

    /** Whether this is a zero-copy send's notification. */
    public static boolean isNotification(int flags) {
        return (flags & NOTIF) != 0;
    }
}
