package dev.iobuf.uring;

/**
 * Names and meanings of the Linux {@code errno} values io_uring reports, for messages and logs.
 *
 * <p>io_uring reports errors as negative numbers: a syscall here returns {@code -errno}, and a
 * completion's {@code res} is {@code -errno} when its operation failed. The constants are the
 * positive values (x86-64 and aarch64 Linux share them). {@link #name(int)} and
 * {@link #describe(int)} accept either sign.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ETXTBSY = 26;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EROFS = 30;
    public static final int EPIPE = 32;
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int ENOTSOCK = 88;
    public static final int EOPNOTSUPP = 95;
    public static final int EADDRINUSE = 98;
    public static final int ENETUNREACH = 101;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int ENOTCONN = 107;
    public static final int ETIME = 62;
    public static final int EOVERFLOW = 75;
    public static final int EBADFD = 77;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;
    public static final int EDQUOT = 122;
    public static final int ECANCELED = 125;
    public static final int EOWNERDEAD = 130;

    private static final String[] NAMES = new String[131];
    private static final String[] MEANINGS = new String[131];

    static {
        def(EPERM, "EPERM", "operation not permitted");
        def(ENOENT, "ENOENT", "no such file, directory or request");
        def(EINTR, "EINTR", "interrupted by a signal");
        def(EIO, "EIO", "input/output error");
        def(EBADF, "EBADF", "bad file descriptor");
        def(EAGAIN, "EAGAIN", "resource temporarily unavailable, try again");
        def(ENOMEM, "ENOMEM", "out of memory (or over RLIMIT_MEMLOCK on kernels before 5.12)");
        def(EACCES, "EACCES", "permission denied");
        def(EFAULT, "EFAULT", "bad address");
        def(EBUSY, "EBUSY", "device or resource busy");
        def(EEXIST, "EEXIST", "already exists (for a SINGLE_ISSUER ring: submitted from a second thread)");
        def(EXDEV, "EXDEV", "cross-device link or rename");
        def(ENOTDIR, "ENOTDIR", "not a directory");
        def(EISDIR, "EISDIR", "is a directory");
        def(ETXTBSY, "ETXTBSY", "text file busy");
        def(EFBIG, "EFBIG", "file too large");
        def(ESPIPE, "ESPIPE", "illegal seek (a pipe or socket has no offset)");
        def(EROFS, "EROFS", "read-only file system");
        def(ENAMETOOLONG, "ENAMETOOLONG", "file name too long");
        def(ENOTEMPTY, "ENOTEMPTY", "directory not empty");
        def(ELOOP, "ELOOP", "too many levels of symbolic links");
        def(EDQUOT, "EDQUOT", "disk quota exceeded");
        def(ENODEV, "ENODEV", "no such device, or the file does not support this operation");
        def(EINVAL, "EINVAL", "invalid argument");
        def(ENFILE, "ENFILE", "too many open files in the system");
        def(EMFILE, "EMFILE", "too many open files in this process");
        def(ENOSPC, "ENOSPC", "no space left (on the device or in a table)");
        def(EPIPE, "EPIPE", "broken pipe");
        def(ERANGE, "ERANGE", "result out of range");
        def(ENOSYS, "ENOSYS", "function not implemented");
        def(ETIME, "ETIME", "timer expired");
        def(EOVERFLOW, "EOVERFLOW", "value too large");
        def(EBADFD, "EBADFD", "file descriptor in bad state");
        def(ENOTSOCK, "ENOTSOCK", "not a socket");
        def(EOPNOTSUPP, "EOPNOTSUPP", "operation not supported");
        def(EADDRINUSE, "EADDRINUSE", "address already in use");
        def(ENETUNREACH, "ENETUNREACH", "network unreachable");
        def(ECONNABORTED, "ECONNABORTED", "connection aborted");
        def(ECONNRESET, "ECONNRESET", "connection reset by peer");
        def(ENOBUFS, "ENOBUFS", "no buffer space available (a provided-buffer ring ran dry)");
        def(ENOTCONN, "ENOTCONN", "socket not connected");
        def(ETIMEDOUT, "ETIMEDOUT", "connection timed out");
        def(ECONNREFUSED, "ECONNREFUSED", "connection refused");
        def(EALREADY, "EALREADY", "operation already in progress");
        def(EINPROGRESS, "EINPROGRESS", "operation now in progress");
        def(ECANCELED, "ECANCELED", "operation canceled");
        def(EOWNERDEAD, "EOWNERDEAD", "owner died");
    }

    private Errno() {
    }

    private static void def(int errno, String name, String meaning) {
        NAMES[errno] = name;
        MEANINGS[errno] = meaning;
    }

    /** The symbolic name, e.g. {@code "EBADF"} for 9 or -9; {@code "errno 200"} when unknown. */
    public static String name(int errno) {
        int e = Math.abs(errno);
        String n = e < NAMES.length ? NAMES[e] : null;
        return n != null ? n : "errno " + e;
    }

    /** What the value means, e.g. {@code "bad file descriptor"}; the C library's text ({@code strerror}) for a value this class does not name. */
    public static String meaning(int errno) {
        int e = Math.abs(errno);
        String m = e < MEANINGS.length ? MEANINGS[e] : null;
        return m != null ? m : dev.iobuf.internal.Libc.strerror(e);
    }

    /** Name and meaning together: {@code "EBADF (bad file descriptor)"}. */
    public static String describe(int errno) {
        return name(errno) + " (" + meaning(errno) + ")";
    }
}
