package dev.iobuf.uring;

/**
 * A syscall behind io_uring failed: the message names the call, the errno and what it means.
 *
 * <p>Thrown only off the hot path (ring setup, registration, closing, and the convenience
 * methods that document it). Submitting and reaping return negative errno values instead.
 */
public class IoUringException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    /**
     * @param call   what was called, e.g. {@code "io_uring_register(REGISTER_BUFFERS)"}
     * @param errno  the errno, either sign
     * @param advice what to do about it, or {@code null}
     */
    public IoUringException(String call, int errno, String advice) {
        super(call + " failed: " + Errno.describe(errno) + (advice == null ? "" : "; " + advice));
        this.errno = Math.abs(errno);
    }

    /** For subclasses that compose the whole message themselves. */
    protected IoUringException(String message, int errno) {
        super(message);
        this.errno = Math.abs(errno);
    }

    /** The positive errno value. */
    public int errno() {
        return errno;
    }
}
