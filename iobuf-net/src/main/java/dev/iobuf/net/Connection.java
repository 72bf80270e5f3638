package dev.iobuf.net;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.util.concurrent.Executor;

/**
 * One connection as its {@link ConnectionHandler} sees it, on the thread of the loop that owns it.
 * Every method must be called on that thread (inside the handler's callbacks, or in a task given to
 * {@link #executor()}); from other threads use the blocking style ({@link BlockingConnection}).
 *
 * <p>Transport-neutral: the io_uring transport ({@code dev.iobuf.net.uring}) implements it over a
 * multishot receive into provided buffers and a bounded send queue of pooled buffers. Nothing here
 * allocates per message.
 */
public interface Connection {
    /** {@link ConnectionHandler#onClose} reason when the server or its loop was shut down ({@code -ESHUTDOWN}). */
    int REASON_SHUTDOWN = -108;

    /** Runs tasks on this connection's loop thread, where its methods may be called. */
    Executor executor();

    /** The address this end of the connection is bound to (an {@code InetSocketAddress} or a {@code UnixDomainSocketAddress}). */
    SocketAddress localAddress();

    /** The peer's address; for a Unix-domain peer usually an empty path; null once the peer is gone. */
    SocketAddress remoteAddress();

    /**
     * Sets a socket option of this connection: {@code TCP_NODELAY} (on by default),
     * {@code SO_KEEPALIVE}, {@code SO_RCVBUF}, {@code SO_SNDBUF}, {@code SO_LINGER} of
     * {@link java.net.StandardSocketOptions}, and {@code TCP_KEEPIDLE}, {@code TCP_KEEPINTERVAL},
     * {@code TCP_KEEPCOUNT} of {@code jdk.net.ExtendedSocketOptions}. On the loop thread (in a
     * handler); from elsewhere, run it through {@link #executor()}.
     *
     * @throws UnsupportedOperationException for another option
     * @throws IOException                   when the kernel refuses it (naming option and errno)
     */
    <T> void setOption(SocketOption<T> option, T value) throws IOException;

    /** The value of a socket option that {@link #setOption} takes. On the loop thread, like {@link #setOption}. */
    <T> T getOption(SocketOption<T> option) throws IOException;

    /** The socket's file descriptor (for logging and socket options; do not read or close it). */
    int fd();

    /** Per-connection state of the handler. */
    Object attachment();

    /** Sets the per-connection state of the handler. */
    void attach(Object value);

    /** Replaces the handler (e.g. after a protocol switch). */
    void handler(ConnectionHandler handler);

    /** Whether the connection is open (not closing or closed). */
    boolean isOpen();

    /** Whether the peer has finished sending. */
    boolean isEof();

    /**
     * Copies up to {@code length} bytes at {@code offset} of {@code src} into the send queue;
     * returns how many were taken (fewer when the queue or the loop's send pool is full: wait for
     * {@link ConnectionHandler#onWritable}), or -1 when the connection is no longer open.
     */
    int write(MemorySegment src, long offset, int length);

    /** Like {@link #write(MemorySegment, long, int)} from a byte array. */
    int write(byte[] src, int offset, int length);

    /**
     * Sends {@code length} bytes at {@code offset} of the receive buffer now being delivered to
     * {@link ConnectionHandler#onData} (offsets are relative to the {@code buffer} given there),
     * without copying them: the buffer is not reused until its send completed, so an echo or a
     * proxy costs no copy and no send buffer. Call it only from {@code onData}, at most once per
     * delivery, with offsets inside what was delivered. When it returns {@code length} the whole
     * delivery is consumed, whatever {@code onData} returns; 0 means the send queue is full
     * (return 0 from {@code onData}: the bytes are handed over again once sends complete); -1
     * means the connection is no longer open.
     *
     * @throws IllegalStateException    outside {@code onData}, or a second time for one delivery
     * @throws IllegalArgumentException when the bytes are not inside what was delivered
     */
    int writeReceived(long offset, int length);

    /**
     * Queues {@code length} bytes of the open file {@code fileFd} from {@code position}, to be
     * sent after what is queued before, without copying them through user memory (sendfile's way;
     * the io_uring transport splices them through a pipe). The file must stay open, and its bytes
     * unchanged, until they are sent: until {@link #pendingBytes()} is 0 or the connection closed.
     * If the file ends first, the bytes up to its end are sent and the queue goes on.
     *
     * @return {@code length} when queued; 0 when the send queue is full (wait for
     *         {@link ConnectionHandler#onWritable}); -1 when the connection is no longer open
     * @throws IllegalArgumentException for a negative position or length
     */
    long sendFile(int fileFd, long position, long length);

    /** Bytes queued and not yet acknowledged by a send completion. */
    int pendingBytes();

    /** Stops handing received bytes to the handler until {@link #resumeReading()}. */
    void pauseReading();

    /**
     * Hands held bytes to the handler again and restarts receiving (after {@link #pauseReading()}
     * or after the handler consumed fewer bytes than it was given).
     */
    void resumeReading();

    /**
     * Closes this connection with {@code -ETIMEDOUT} if it is still open {@code nanos} from now,
     * whatever its activity; 0 removes the deadline. Used for slow-client time-outs.
     */
    void deadline(long nanos);

    /** Whether a {@linkplain #deadline(long) deadline} is set. */
    boolean hasDeadline();

    /**
     * Closes gracefully: stops delivering (unread bytes are dropped), sends what is queued, sends
     * FIN, then keeps reading and discarding until the peer's FIN (at most 2 s) before it closes
     * the socket: closing a socket with unread bytes makes the kernel send a reset, which can
     * destroy the last response (an HTTP 413 while the body still arrives) before the peer read
     * it. {@link ConnectionHandler#onClose} follows with reason 0.
     */
    void close();

    /** Closes at once: cancels what is in flight, drops what is queued; {@code onClose} follows with reason 0. */
    void abort();
}
