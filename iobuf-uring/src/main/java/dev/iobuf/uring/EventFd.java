package dev.iobuf.uring;

import dev.iobuf.internal.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A Linux eventfd (non-blocking, close-on-exec): a counter another thread can bump to wake a ring.
 *
 * <p>Two uses: register it with {@link Register#eventFd(EventFd)} so the kernel signals it on every
 * completion (to integrate a ring with another event loop), or let the ring poll it
 * ({@link Sqe#pollAddMultishot(int, int)} with {@link OpFlags#POLLIN}) so that {@link #signal()}
 * from any thread wakes a thread blocked in {@link IoUring#waitCqe}.
 *
 * <p>{@link #signal()} is thread-safe and allocates nothing; {@link #drain()} and {@link #close()}
 * belong to the owning thread.
 */
public final class EventFd implements AutoCloseable {
    private final int fd;
    private final Arena arena;
    private final MemorySegment one;
    private final MemorySegment signalErrno;
    private final MemorySegment counter;
    private final MemorySegment drainErrno;
    private volatile boolean closed;

    private EventFd(int fd, Arena arena) {
        this.fd = fd;
        this.arena = arena;
        this.one = arena.allocateFrom(ValueLayout.JAVA_LONG, 1L);
        this.signalErrno = Syscalls.newErrnoState(arena);
        this.counter = arena.allocate(ValueLayout.JAVA_LONG);
        this.drainErrno = Syscalls.newErrnoState(arena);
    }

    /**
     * Creates an eventfd with counter 0.
     *
     * @throws IoUringException when the process is out of file descriptors
     */
    public static EventFd create() {
        Arena arena = Arena.ofShared();
        int fd = Libc.eventfd(Syscalls.newErrnoState(arena), 0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (fd < 0) {
            arena.close();
            throw new IoUringException("eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK)", fd,
                    "close file descriptors or raise the open-file limit (ulimit -n)");
        }
        return new EventFd(fd, arena);
    }

    /** The file descriptor. */
    public int fd() {
        return fd;
    }

    /**
     * Adds 1 to the counter, waking pollers. Returns 0, or {@code -errno} ({@code -EBADF} after close;
     * errno values seen by concurrent callers may mix, the return value's sign is exact).
     */
    public synchronized int signal() {
        // synchronized with close(): a write racing the close could hit a reused fd number
        if (closed) {
            return -Errno.EBADF;
        }
        long rc = Libc.write(signalErrno, fd, one.address(), 8);
        return rc < 0 ? (int) rc : 0;
    }

    /** Reads and resets the counter: its value, 0 when it was 0, or {@code -errno}. */
    public synchronized long drain() {
        if (closed) {
            throw new IllegalStateException("eventfd " + fd + " is closed");
        }
        long rc = Libc.read(drainErrno, fd, counter.address(), 8);
        if (rc == -Errno.EAGAIN) {
            return 0;
        }
        return rc < 0 ? rc : counter.get(ValueLayout.JAVA_LONG, 0);
    }

    /** Closes the eventfd; idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Libc.close(drainErrno, fd);
            arena.close();
        }
    }
}
