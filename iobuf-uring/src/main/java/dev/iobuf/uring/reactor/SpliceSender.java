package dev.iobuf.uring.reactor;

import dev.iobuf.internal.Libc;
import dev.iobuf.uring.Errno;
import dev.iobuf.uring.IoUringException;
import dev.iobuf.uring.OpFlags;
import dev.iobuf.uring.Sqe;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Sends a region of a file to a socket (or any file descriptor) without the bytes passing through
 * user memory: {@code SPLICE} from the file into a pipe, then from the pipe to the socket,
 * sendfile's way, on an {@link EventLoop}'s ring. A file server hands it the region; the network
 * module's connections use it for "send this region of this file".
 *
 * <pre>{@code
 * SpliceSender sender = SpliceSender.open(loop);            // loop thread: one pipe
 * sender.send(fileFd, false, 0, length, socketFd, false, (sent, error) -> { ... });
 * }</pre>
 *
 * <p>One transfer at a time per sender ({@link #isBusy()}); a loop may hold several senders. The
 * result says how many bytes reached the socket, and {@code -errno} if a splice failed; fewer
 * bytes than asked with no error means the file ended first. A socket that is full and
 * non-blocking is waited for with a poll, never spun on. All methods run on the loop thread.
 */
public final class SpliceSender implements AutoCloseable {
    /*
     * Implementation notes.
     *
     * Loop thread only. A transfer alternates two splices, file -> pipe (up to the pipe's size,
     * from the file offset) and pipe -> socket (what the pipe holds), one in flight at a time:
     * linking them would be one completion less, but a short first splice (end of file) fails the
     * link and leaves bytes in the pipe, so each step is decided from the last result instead.
     * A transfer that fails with bytes still in the pipe leaves the pipe unusable (its bytes
     * belong to nobody); the pipe is then replaced before the next transfer.
     */

    /** The result of one transfer. */
    @FunctionalInterface
    public interface Done {
        /**
         * @param sent  bytes that reached the destination
         * @param error 0, or {@code -errno} of the splice that failed
         */
        void onDone(long sent, int error);

        /** Bytes reached the destination: {@code sent} so far (a connection's sign of life). */
        default void onProgress(long sent) {
        }
    }

    /** The pipe size asked for (the kernel may give less, up to {@code /proc/sys/fs/pipe-max-size}). */
    public static final int PIPE_BYTES = 1 << 20;

    private static final int TAG_IN = 1;
    private static final int TAG_OUT = 2;
    private static final int TAG_POLL = 3;

    private final EventLoop loop;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment errno = Libc.newErrnoState(arena);
    private final MemorySegment fds = arena.allocate(8, 4);
    private final int slot;
    private int pipeRead = -1;
    private int pipeWrite = -1;
    private int pipeBytes;
    private boolean closed;
    private boolean aborted;

    // the transfer in progress
    private Done done;
    private int fileFd;
    private boolean fileFixed;
    private int outFd;
    private boolean outFixed;
    private long position;
    private long remaining;
    private long sent;
    private int inPipe;

    private SpliceSender(EventLoop loop) {
        this.loop = loop;
        try {
            openPipe();
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        this.slot = loop.register(this::onCompletion);
    }

    /**
     * A sender with a pipe of its own on {@code loop}. Loop thread.
     *
     * @throws IoUringException when no pipe can be made (the process's file limit)
     */
    public static SpliceSender open(EventLoop loop) {
        if (!loop.inLoop()) {
            throw new IllegalStateException("SpliceSender.open runs on the loop thread of " + loop.name());
        }
        return new SpliceSender(loop);
    }

    private void openPipe() {
        int rc = Libc.pipe2(errno, fds.address(), Libc.O_CLOEXEC);
        if (rc < 0) {
            throw new IoUringException("pipe2 for splicing", rc, null);
        }
        pipeRead = fds.get(ValueLayout.JAVA_INT, 0);
        pipeWrite = fds.get(ValueLayout.JAVA_INT, 4);
        int size = Libc.fcntl(errno, pipeWrite, Libc.F_SETPIPE_SZ, PIPE_BYTES);
        pipeBytes = size > 0 ? size : Math.max(4096, Libc.fcntl(errno, pipeWrite, Libc.F_GETPIPE_SZ, 0));
    }

    private void closePipe() {
        Libc.close(Libc.IGNORED_ERRNO, pipeRead);
        Libc.close(Libc.IGNORED_ERRNO, pipeWrite);
        pipeRead = -1;
        pipeWrite = -1;
    }

    /** The pipe's capacity: the most one splice moves. */
    public int pipeBytes() {
        return pipeBytes;
    }

    /** Whether the sender is closed (or lost its pipe): it takes no transfer any more. */
    public boolean isClosed() {
        return closed;
    }

    /** Whether a transfer is in progress. */
    public boolean isBusy() {
        return done != null;
    }

    /**
     * Sends {@code length} bytes of {@code fileFd} from {@code position} to {@code outFd};
     * {@code done} gets the result on the loop thread. Loop thread.
     *
     * @param fileFixed whether {@code fileFd} is a slot of the ring's file table
     * @param outFixed  whether {@code outFd} is a slot of the ring's file table
     * @throws IllegalStateException    when a transfer is in progress or the sender is closed
     * @throws IllegalArgumentException for a negative position or length
     */
    public void send(int fileFd, boolean fileFixed, long position, long length, int outFd, boolean outFixed, Done done) {
        if (closed) {
            throw new IllegalStateException("the splice sender is closed");
        }
        if (this.done != null) {
            throw new IllegalStateException("a transfer is in progress (" + sent + " bytes sent, " + remaining + " to go)");
        }
        if (position < 0 || length < 0) {
            throw new IllegalArgumentException("position and length must not be negative: " + position + ", " + length);
        }
        this.done = java.util.Objects.requireNonNull(done, "done");
        this.fileFd = fileFd;
        this.fileFixed = fileFixed;
        this.outFd = outFd;
        this.outFixed = outFixed;
        this.position = position;
        this.remaining = length;
        this.sent = 0;
        this.inPipe = 0;
        this.aborted = false;
        step();
    }

    private void step() {
        Sqe s;
        if (inPipe > 0) {
            int more = remaining > 0 ? OpFlags.SPLICE_F_MORE : 0;
            s = loop.sqe().splice(pipeRead, -1, outFd, -1, inPipe, OpFlags.SPLICE_F_MOVE | more);
            if (outFixed) {
                s.fixedFile();
            }
            s.userData(EventLoop.userData(slot, TAG_OUT));
        } else if (remaining > 0) {
            int len = (int) Math.min(remaining, pipeBytes);
            int flags = OpFlags.SPLICE_F_MOVE | (fileFixed ? OpFlags.SPLICE_F_FD_IN_FIXED : 0);
            loop.sqe().splice(fileFd, position, pipeWrite, -1, len, flags)
                    .userData(EventLoop.userData(slot, TAG_IN));
        } else {
            finish(0);
        }
    }

    /**
     * Stops the transfer in progress: no further splice is queued, and the one in flight (cancel it
     * by the destination's descriptor, as a closing connection does) ends it with
     * {@code -ECANCELED}. Loop thread.
     */
    public void abort() {
        if (done != null) {
            aborted = true;
        }
    }

    private void onCompletion(int tag, int res, int flags) {
        if (done == null) {
            return; // a poll that outlived a failed transfer
        }
        if (aborted) {
            if (tag == TAG_OUT && res > 0) {
                inPipe -= res;
                sent += res;
            }
            finish(-Errno.ECANCELED);
            return;
        }
        switch (tag) {
            case TAG_IN -> {
                if (res == -Errno.EINTR || res == -Errno.EAGAIN) {
                    step();
                } else if (res < 0) {
                    finish(res);
                } else if (res == 0) {
                    remaining = 0; // the file ended first
                    step();
                } else {
                    inPipe += res;
                    position += res;
                    remaining -= res;
                    step();
                }
            }
            case TAG_OUT -> {
                if (res == -Errno.EAGAIN) {
                    // a full non-blocking socket: wait until it takes bytes again
                    Sqe s = loop.sqe().pollAdd(outFd, OpFlags.POLLOUT);
                    if (outFixed) {
                        s.fixedFile();
                    }
                    s.userData(EventLoop.userData(slot, TAG_POLL));
                } else if (res == -Errno.EINTR) {
                    step();
                } else if (res <= 0) {
                    finish(res == 0 ? -Errno.EPIPE : res);
                } else {
                    inPipe -= res;
                    sent += res;
                    done.onProgress(sent);
                    step();
                }
            }
            case TAG_POLL -> {
                if (res < 0 && res != -Errno.EINTR) {
                    finish(res);
                } else {
                    step();
                }
            }
            default -> throw new IllegalStateException("tag " + tag);
        }
    }

    private void finish(int error) {
        Done d = done;
        done = null;
        if (inPipe > 0) {
            // bytes nobody will send are stuck in the pipe: a fresh pipe for the next transfer
            closePipe();
            try {
                openPipe();
            } catch (RuntimeException e) {
                closed = true;
            }
            inPipe = 0;
        }
        d.onDone(sent, error);
    }

    /**
     * Closes the pipe and leaves the loop. Loop thread. While the loop shuts down, a transfer in
     * progress is abandoned (its {@code Done} is not called); otherwise close only after it.
     *
     * @throws IllegalStateException while a transfer is in progress and the loop is not shutting down
     */
    @Override
    public void close() {
        if (done != null && !loop.isShuttingDown()) {
            throw new IllegalStateException("a transfer is in progress; close after it is done");
        }
        done = null;
        if (arena.scope().isAlive()) {
            closed = true;
            if (pipeRead >= 0) {
                closePipe();
            }
            loop.unregister(slot);
            arena.close();
        }
    }
}
