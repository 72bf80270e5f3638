package dev.iobuf.net;

import java.lang.foreign.MemorySegment;

/**
 * What a server does with a connection, called on the connection's loop thread. One handler may
 * serve many connections (keep per-connection state in {@link Connection#attach}).
 */
public interface ConnectionHandler {
    /** The connection is open; receiving starts after this returns. */
    default void onOpen(Connection connection) {
    }

    /**
     * Bytes arrived: {@code length} bytes at {@code offset} of {@code buffer}, the receive buffer
     * they were received into (a view of that one buffer, never of other connections' memory;
     * the same view each time that buffer is used, so passing it on allocates nothing). Bytes of
     * {@code buffer} outside {@code [offset, offset + length)} are stale: earlier data of this or
     * another connection, or zeros. The bytes are valid only during this call; the buffer is
     * reused once it returns (copy what you keep), unless {@link Connection#writeReceived} took it.
     *
     * @return how many bytes were consumed. Fewer than {@code length} (e.g. because
     *         {@link Connection#write} refused bytes) makes the connection keep the rest and stop
     *         receiving; it hands the rest in again, followed by newer bytes, after a send of this
     *         connection completed or when {@link Connection#resumeReading()} is called.
     */
    int onData(Connection connection, MemorySegment buffer, long offset, int length);

    /** The peer finished sending (half-close). The default closes after the queued bytes are sent. */
    default void onEof(Connection connection) {
        connection.close();
    }

    /** A write refused bytes earlier and the send queue has made room since. */
    default void onWritable(Connection connection) {
    }

    /**
     * The connection is closed and every buffer it held is back in its pool.
     *
     * @param reason 0 for a close asked for by either side, otherwise {@code -errno}
     *               ({@code -ETIMEDOUT}: idle or deadline time-out; {@code -ECONNRESET}: reset by
     *               the peer; {@link Connection#REASON_SHUTDOWN}: the server was stopped)
     */
    default void onClose(Connection connection, int reason) {
    }
}
