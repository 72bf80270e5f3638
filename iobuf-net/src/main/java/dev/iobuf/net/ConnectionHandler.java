package dev.iobuf.net;

import java.lang.foreign.MemorySegment;

/**
 * What a server does with a connection, called on the connection's event loop thread. One handler
 * may serve many connections (keep per-connection state in {@link TcpConnection#attach}).
 */
public interface TcpHandler {
    /** The connection is open; receiving starts after this returns. */
    default void onOpen(TcpConnection connection) {
    }

    /**
     * Bytes arrived: {@code length} bytes at {@code offset} of {@code buffer}. The bytes are valid
     * only during this call; the buffer goes back to the receive ring when it returns (copy what
     * you keep). {@code buffer} is a long-lived segment (the pool's slab): pass it on, do not
     * slice it per message if you care about allocation.
     *
     * @return how many bytes were consumed. Fewer than {@code length} (e.g. because
     *         {@link TcpConnection#write} refused bytes) makes the connection keep the rest and
     *         stop receiving; it hands the rest in again, followed by newer bytes, after a send of
     *         this connection completed or when {@link TcpConnection#resumeReading()} is called.
     */
    int onData(TcpConnection connection, MemorySegment buffer, long offset, int length);

    /** The peer finished sending (half-close). The default closes after the queued bytes are sent. */
    default void onEof(TcpConnection connection) {
        connection.close();
    }

    /** A write refused bytes earlier and the send queue has made room since. */
    default void onWritable(TcpConnection connection) {
    }

    /**
     * The connection is closed and every buffer it held is back in its pool.
     *
     * @param reason 0 for a close asked for by either side, otherwise {@code -errno}
     *               ({@code -ETIMEDOUT}: idle or deadline time-out; {@code -ECONNRESET}: reset by
     *               the peer; {@code -ESHUTDOWN}: the server was stopped)
     */
    default void onClose(TcpConnection connection, int reason) {
    }
}
