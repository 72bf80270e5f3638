package dev.iobuf.net;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A connection seen through blocking calls, for one virtual thread per connection
 * ({@link Transport#serveBlocking}). One reader and one writer may use it at the same time (two
 * threads); two readers (or two writers) at once are not allowed.
 *
 * <p>A blocked call waits through interrupts: it returns when its bytes came (or were queued) or
 * the connection closed, with the thread's interrupt status kept. To end a call that waits for a
 * silent peer, {@linkplain #close() close} the connection or set a {@linkplain #deadline(long)
 * deadline}.
 */
public interface BlockingConnection extends AutoCloseable {
    /**
     * Reads at most {@code length} bytes into {@code dst}, blocking until at least one arrived.
     *
     * @return the number of bytes read, or -1 at end of stream
     * @throws IOException when the connection was reset, timed out or closed
     */
    int read(byte[] dst, int offset, int length) throws IOException;

    /**
     * Like {@link #read(byte[], int, int)} into native or heap memory. A transport may copy the
     * bytes on a thread of its own (the io_uring one does, on the connection's loop), so
     * {@code dst} must be accessible from other threads: global, automatic or from a shared
     * arena, not from a confined one.
     *
     * @throws IllegalArgumentException when {@code dst} is read-only, or the transport's thread
     *                                  cannot access it
     */
    int read(MemorySegment dst) throws IOException;

    /**
     * Writes all {@code length} bytes, blocking while the send queue is full. When it returns, the
     * bytes are queued to be sent (not yet acknowledged by the peer).
     *
     * @throws IOException when the connection was reset, timed out or closed
     */
    void write(byte[] src, int offset, int length) throws IOException;

    /**
     * Like {@link #write(byte[], int, int)} from native or heap memory; {@code src} must be
     * accessible from other threads, as for {@link #read(MemorySegment)}.
     *
     * @throws IllegalArgumentException when the transport's thread cannot access {@code src}
     */
    void write(MemorySegment src) throws IOException;

    /**
     * Closes this connection with a time-out if it is still open {@code nanos} from now, whatever
     * its activity; 0 removes the deadline. A read or write blocked then, or made later, fails
     * with an {@link IOException} that says it timed out. For slow-client limits: set it when a
     * request begins, remove it when the request is complete. Returns without waiting for the
     * connection's loop (unless its task queue is full); allocates nothing. A deadline that falls
     * due before the loop has seen its removal still closes the connection.
     *
     * @throws IOException when the connection is already closed
     */
    void deadline(long nanos) throws IOException;

    /**
     * Sends what is queued, then closes. Returns at once; idempotent. From then on
     * {@link #isClosed()} is true and reads and writes fail; a call blocked in another thread
     * fails when the transport has closed the connection.
     */
    @Override
    void close();

    /** Whether the connection is closed or closing: {@link #close()} was called, or the transport closed it. */
    boolean isClosed();
}
