package dev.iobuf.uring;

/**
 * Per-operation flag values: the bits that go into an SQE's {@code ioprio} or op-flags field for
 * particular operations, and the flags, modes and advice values of the system calls that
 * operations stand for (splice, fallocate, fadvise, futex, waitid...). {@link Sqe}'s operation
 * methods set the ones their names promise; the rest are for callers to pass in, or for callers
 * filling SQEs with the raw setters.
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

    // splice_flags for SPLICE and TEE
    /** A hint to move pages instead of copying them (the kernel currently ignores it). */
    public static final int SPLICE_F_MOVE = 1;
    /** Do not block on the pipe (the file side may still block). */
    public static final int SPLICE_F_NONBLOCK = 2;
    /** More data will follow in a later splice (like {@code MSG_MORE} for a socket). */
    public static final int SPLICE_F_MORE = 4;
    /** io_uring only: the input fd ({@code splice_fd_in}) is a fixed-file index. */
    public static final int SPLICE_F_FD_IN_FIXED = 1 << 31;

    // fallocate mode
    /** Allocate without changing the file size. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    /** Free the range, leaving a hole; must be combined with {@link #FALLOC_FL_KEEP_SIZE}. */
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    /** Make the range read as zeros, allocating it. */
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    // fadvise advice
    public static final int POSIX_FADV_NORMAL = 0;
    public static final int POSIX_FADV_RANDOM = 1;
    public static final int POSIX_FADV_SEQUENTIAL = 2;
    /** Start reading the range into the page cache. */
    public static final int POSIX_FADV_WILLNEED = 3;
    /** Drop the range's clean pages from the page cache. */
    public static final int POSIX_FADV_DONTNEED = 4;
    public static final int POSIX_FADV_NOREUSE = 5;

    // madvise advice
    public static final int MADV_NORMAL = 0;
    public static final int MADV_RANDOM = 1;
    public static final int MADV_SEQUENTIAL = 2;
    public static final int MADV_WILLNEED = 3;
    /** Drop the pages: private anonymous memory reads back as zeros afterwards. */
    public static final int MADV_DONTNEED = 4;
    public static final int MADV_HUGEPAGE = 14;
    /** Fault the pages in for reading (kernel 5.14). */
    public static final int MADV_POPULATE_READ = 22;
    /** Fault the pages in writable (kernel 5.14). */
    public static final int MADV_POPULATE_WRITE = 23;

    // sync_file_range flags
    /** Wait for writeback of the range that was already under way before starting. */
    public static final int SYNC_FILE_RANGE_WAIT_BEFORE = 1;
    /** Start writeback of the range's dirty pages. */
    public static final int SYNC_FILE_RANGE_WRITE = 2;
    /** Wait for the writeback to finish. */
    public static final int SYNC_FILE_RANGE_WAIT_AFTER = 4;

    // unlinkat, renameat, linkat flags
    /** UNLINKAT: remove a directory, as {@code rmdir}. */
    public static final int AT_REMOVEDIR = 0x200;
    /** LINKAT: follow {@code oldPath} if it is a symbolic link. */
    public static final int AT_SYMLINK_FOLLOW = 0x400;
    /** RENAMEAT: fail with {@code -EEXIST} instead of replacing the target. */
    public static final int RENAME_NOREPLACE = 1;
    /** RENAMEAT: swap the two paths atomically; both must exist. */
    public static final int RENAME_EXCHANGE = 2;

    // struct open_how resolve bits for OPENAT2
    /** Do not cross a mount point. */
    public static final int RESOLVE_NO_XDEV = 0x01;
    /** Do not follow magic links such as {@code /proc/self/fd/N}. */
    public static final int RESOLVE_NO_MAGICLINKS = 0x02;
    /** Do not follow any symbolic link. */
    public static final int RESOLVE_NO_SYMLINKS = 0x04;
    /** Refuse ({@code -EXDEV}) a path that leaves the directory {@code dirFd}. */
    public static final int RESOLVE_BENEATH = 0x08;
    /** Resolve as if {@code dirFd} were the root directory. */
    public static final int RESOLVE_IN_ROOT = 0x10;
    /** Only from the lookup caches: {@code -EAGAIN} when that would block. */
    public static final int RESOLVE_CACHED = 0x20;

    // futex2 flags for FUTEX_WAIT and FUTEX_WAKE (the SQE's fd word)
    /** The futex is a 32-bit word. */
    public static final int FUTEX2_SIZE_U32 = 0x02;
    /** The futex is private to this process (faster: no shared-memory lookup). */
    public static final int FUTEX2_PRIVATE = 128;
    /** The mask that matches every waiter. */
    public static final long FUTEX_BITSET_MATCH_ANY = 0xFFFFFFFFL;

    // waitid id types and options
    /** Wait for any child; the id is ignored. */
    public static final int P_ALL = 0;
    /** Wait for the child whose process id is the id. */
    public static final int P_PID = 1;
    /** Wait for any child in the process group the id names. */
    public static final int P_PGID = 2;
    /** Wait for the child the pidfd the id names refers to (kernel 5.4). */
    public static final int P_PIDFD = 3;
    /** Return at once (res 0, {@code si_pid} 0) when no child has changed state. */
    public static final int WNOHANG = 0x00000001;
    /** Wait for children that have exited. */
    public static final int WEXITED = 0x00000004;
    /** Leave the child waitable: report it without reaping it. */
    public static final int WNOWAIT = 0x01000000;

    /** Pass as a file index to let the kernel pick a free fixed-file slot (accept, open, socket). */
    public static final int FILE_INDEX_ALLOC = -1;

    private OpFlags() {
    }
}
