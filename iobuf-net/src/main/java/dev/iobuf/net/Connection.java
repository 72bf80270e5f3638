package dev.iobuf.net;

import dev.iobuf.alloc.FixedBuf;
import dev.iobuf.pool.PooledBuffer;

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
 *
 * <p>Three ways to send: copy bytes into the connection's send buffers
 * ({@link #write(MemorySegment, long, int)}), send bytes in place from where they are, without a
 * copy, handing the memory over (a received buffer: {@link #writeReceived}; a buffer of yours:
 * {@link #write(PooledBuffer, int)}, {@link #write(FixedBuf, int)} and their gathering forms), or
 * queue a file region ({@link #sendFile}). All of them queue in one bounded queue, sent in order;
 * when it is full they refuse, never grow it.
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
     * {@code SO_KEEPALIVE}, {@code SO_RCVBUF}, {@code SO_SNDBUF}, {@code SO_LINGER} (0 or -1 only: a
     * longer linger would block the loop thread in close) of
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
     * Sends the first {@code length} bytes of {@code buffer} where they are, without copying them,
     * after what is queued before, and takes the buffer: from the call on, whatever it returns or
     * throws, the handle belongs to the connection, and the caller must neither change the bytes
     * nor use or close the handle again. The connection closes it (the buffer goes back to its
     * pool, on the loop thread) once the kernel is done with the memory: after its send completed
     * (a zero-copy send: after its notification), or when the connection ends with it still
     * queued (a close, an abort, a reset by the peer); a buffer it refuses is closed before the
     * call returns.
     *
     * <p>The io_uring transport sends it with {@code SEND}, or with {@code SEND_ZC} when the bytes
     * left to send are at least {@link NetConfig#zeroCopyThreshold()}: from the registered buffer
     * when the memory is registered on the ring of the connection's loop (through a tenant of
     * {@code EventLoop.bufferTable()}), so the kernel does not pin its pages for every send.
     *
     * @return {@code length} when queued (0 for a {@code length} of 0: the buffer was closed at
     *         once, nothing to send); 0 when the send queue is full: the buffer was closed unsent
     *         (wait for {@link ConnectionHandler#onWritable}, then write the bytes again from a
     *         buffer of yours); -1 when the connection is no longer open: the buffer was closed
     *         unsent
     * @throws IllegalArgumentException when {@code length} is negative or larger than the buffer
     *                                  (the buffer was closed), or the handle is queued on this
     *                                  connection already (it stays queued)
     * @throws IllegalStateException    when the handle was closed already (nothing changes)
     */
    int write(PooledBuffer buffer, int length);

    /**
     * Like {@link #write(PooledBuffer, int)} for a buffer of an arena allocator: sends its first
     * {@code length} bytes in place and closes the handle when the kernel is done with them.
     * Which ring the buffer's pool registered it on does not matter: a zero-copy send is fixed
     * only when the memory is registered on the ring of this connection's loop.
     *
     * @return as {@link #write(PooledBuffer, int)}: {@code length} when queued, 0 when the queue
     *         is full, -1 when the connection is no longer open; the handle is closed in both
     *         refusals
     * @throws IllegalArgumentException as {@link #write(PooledBuffer, int)} (the buffer was closed,
     *                                  unless it is queued here already)
     * @throws IllegalStateException    when the handle was closed already (nothing changes)
     */
    int write(FixedBuf buffer, int length);

    /**
     * A gathering write: queues {@code buffers[offset]} .. {@code buffers[offset + count - 1]},
     * the first {@code lengths[i]} bytes of each, in order and in place, as
     * {@link #write(PooledBuffer, int)} does one. Takes every handle of the range, whatever it
     * returns or throws. Allocates nothing; the arrays are not kept.
     *
     * <p>Each buffer takes one entry of the send queue (a buffer of length 0 none: it is closed at
     * once). The queue takes the first {@code k} buffers it has room for; the others are closed
     * unsent. So the call queues a prefix of the bytes and says how long it is.
     *
     * @return the bytes queued: {@code lengths[offset] + ... + lengths[offset + k - 1]}, the whole
     *         sum when everything was queued, less when the queue filled up (wait for
     *         {@link ConnectionHandler#onWritable} and write the rest again, from that byte on),
     *         0 when the queue was full; -1 when the connection is no longer open (every handle
     *         was closed unsent)
     * @throws IndexOutOfBoundsException when the range is outside either array (nothing taken)
     * @throws NullPointerException      for a null handle in the range
     * @throws IllegalArgumentException  for a length outside its buffer, or a handle given twice
     *                                   or queued on this connection already
     * @throws IllegalStateException     for a handle closed already
     *                                   (after any of these three nothing was queued, and every
     *                                   other handle of the range was closed, except one queued
     *                                   here already)
     */
    long write(PooledBuffer[] buffers, int[] lengths, int offset, int count);

    /**
     * Like {@link #write(PooledBuffer[], int[], int, int)} for buffers of arena allocators, with
     * the same return values and exceptions.
     *
     * @return the bytes queued (a prefix of the buffers: all, some, or 0 when the queue was full),
     *         or -1 when the connection is no longer open; every handle not queued was closed
     * @throws IndexOutOfBoundsException when the range is outside either array (nothing taken)
     * @throws NullPointerException      for a null handle in the range
     * @throws IllegalArgumentException  for a length outside its buffer, or a handle given twice
     *                                   or queued on this connection already
     * @throws IllegalStateException     for a handle closed already
     */
    long write(FixedBuf[] buffers, int[] lengths, int offset, int count);

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
