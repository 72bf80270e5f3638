package dev.iobuf.uring;

/**
 * Per-operation flag values: the bits that go into an SQE's {@code ioprio} or op-flags field for
 * particular operations. {@link Sqe}'s operation methods set the ones their names promise;
 * the rest are for callers filling SQEs with the raw setters.
 */
public final class OpFlags {
    // ioprio bits for SEND/RECV/SEND_ZC
    /** Poll the socket before trying the operation. */
    public static final int RECVSEND_POLL_FIRST = 1;
    /** Multishot receive (kernel 6.0). */
    public static final int RECV_MULTISHOT = 1 << 1;
    /** The buffer is a registered buffer, {@code buf_index} names it. */
    public static final int RECVSEND_FIXED_BUF = 1 << 2;
    /** SEND_ZC: report in the notification whether the data was really not copied. */
    public static final int SEND_ZC_REPORT_USAGE = 1 << 3;
    /** Bundle several provided buffers into one send or receive (kernel 6.10). */
    public static final int RECVSEND_BUNDLE = 1 << 4;

    // ioprio bits for ACCEPT
    /** Multishot accept (kernel 5.19). */
    public static final int ACCEPT_MULTISHOT = 1;
    public static final int ACCEPT_DONTWAIT = 1 << 1;
    public static final int ACCEPT_POLL_FIRST = 1 << 2;

    // timeout_flags
    public static final int TIMEOUT_ABS = 1;
    public static final int TIMEOUT_UPDATE = 1 << 1;
    public static final int TIMEOUT_BOOTTIME = 1 << 2;
    public static final int TIMEOUT_REALTIME = 1 << 3;
    public static final int TIMEOUT_ETIME_SUCCESS = 1 << 5;
    public static final int TIMEOUT_MULTISHOT = 1 << 6;

    // cancel_flags
    /** Cancel every request that matches, not only the first. */
    public static final int CANCEL_ALL = 1;
    /** Match by file descriptor instead of user data. */
    public static final int CANCEL_FD = 1 << 1;
    /** Match any request. */
    public static final int CANCEL_ANY = 1 << 2;
    /** With {@link #CANCEL_FD}: the fd is a fixed-file index. */
    public static final int CANCEL_FD_FIXED = 1 << 3;

    // poll
    /** POLL_ADD {@code len} value for a multishot poll (kernel 5.13). */
    public static final int POLL_ADD_MULTI = 1;
    public static final int POLLIN = 0x001;
    public static final int POLLOUT = 0x004;
    public static final int POLLERR = 0x008;
    public static final int POLLHUP = 0x010;

    // fsync
    public static final int FSYNC_DATASYNC = 1;

    /** Pass as a file index to let the kernel pick a free fixed-file slot (accept, open, socket). */
    public static final int FILE_INDEX_ALLOC = -1;

    private OpFlags() {
    }
}
