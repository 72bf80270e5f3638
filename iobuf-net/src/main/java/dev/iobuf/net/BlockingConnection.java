package dev.iobuf.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
 *
 * <p>For code written against the JDK's I/O, the connection also reads and writes as an
 * {@link #inputStream() InputStream}, an {@link #outputStream() OutputStream} and a
 * {@link #channel() byte channel} with scattering reads and gathering writes, so a
 * {@link java.io.BufferedReader} or a protocol library runs on a connection unchanged. The views
 * are built on this interface's calls alone, so every transport has them, and they are views, not
 * copies: a read through one is a read of the connection (one reader at a time, whichever view it
 * uses), and closing any of them closes the connection.
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

    /**
     * This connection as an {@link InputStream}, for a {@link java.io.BufferedReader}, a parser or
     * {@link InputStream#transferTo}. It is unbuffered: each {@code read} is one
     * {@link #read(byte[], int, int)} of the connection, so wrap it in a
     * {@link java.io.BufferedInputStream} (or a reader) to read a byte at a time cheaply.
     * <ul>
     * <li>{@code read} blocks until at least one byte arrived and returns -1 at end of stream (the
     * peer's FIN), again on every later call until the connection is closed; after that it throws
     * an {@link IOException}.</li>
     * <li>{@code available()} is always 0: the connection does not say what has arrived.</li>
     * <li>{@code close()} closes the connection, not only this stream, exactly as {@link #close()}
     * does: what was written is still sent, then both directions close (like the streams of a
     * {@link java.net.Socket}). So closing a reader wrapped around it ends the connection; there is
     * no half-close of the input.</li>
     * </ul>
     * Each call returns a new view; the only state it holds is a one-byte array for
     * {@code read()}. A transport may override this with a stream of its own that keeps these
     * semantics.
     *
     * @return a view of this connection's input, closing it closes the connection
     */
    default InputStream inputStream() {
        return new ConnectionInputStream(this);
    }

    /**
     * This connection as an {@link OutputStream}, for a {@link java.io.PrintWriter}, an encoder or
     * a protocol library. It is unbuffered: each {@code write} is one
     * {@link #write(byte[], int, int)} of the connection, so wrap it in a
     * {@link java.io.BufferedOutputStream} (or a writer) to write a byte at a time cheaply.
     * <ul>
     * <li>{@code write} writes every byte or throws an {@link IOException}; when it returns, the
     * bytes are queued to be sent.</li>
     * <li>{@code flush()} does nothing more: queued bytes are sent without being asked. (Flush
     * the writers and buffered streams wrapped around it, as usual.)</li>
     * <li>{@code close()} closes the connection, not only this stream, exactly as {@link #close()}
     * does: what was written is still sent, then both directions close, so the peer reads end of
     * stream after the last byte (like the streams of a {@link java.net.Socket}; there is no
     * half-close that would keep reading).</li>
     * </ul>
     * Each call returns a new view; the only state it holds is a one-byte array for
     * {@code write(int)}. A transport may override this with a stream of its own that keeps these
     * semantics.
     *
     * @return a view of this connection's output, closing it closes the connection
     */
    default OutputStream outputStream() {
        return new ConnectionOutputStream(this);
    }

    /**
     * This connection as a {@link java.nio.channels.ByteChannel} with scattering reads and gathering
     * writes, heap or direct buffers; {@link ConnectionChannel} says what each call does and why
     * it is not a {@link java.nio.channels.SocketChannel}. Reads return -1 at end of stream,
     * gathering writes write every remaining byte, {@code isOpen()} is {@code !isClosed()}, and
     * {@code close()} closes the connection. Each call returns a new view that holds no state; a
     * transport may override this with a channel of its own that keeps these semantics.
     *
     * @return a channel view of this connection, closing it closes the connection
     */
    default ConnectionChannel channel() {
        return new ConnectionByteChannel(this);
    }
}
