package dev.iobuf.net;

import dev.iobuf.pool.PoolStats;

import java.util.List;

/**
 * A listening server of some {@link Transport}: accepts connections and serves each with a
 * handler, until {@link #close()}.
 */
public interface Server extends AutoCloseable {
    /** The port the server listens on; 0 for a Unix-domain socket. */
    int port();

    /** The address the server listens on (an {@code InetSocketAddress}, or a {@code UnixDomainSocketAddress}). */
    java.net.SocketAddress localAddress();

    /** The configuration. */
    NetConfig config();

    /** Connections open right now. */
    int openConnections();

    /** Connections accepted since the start. */
    long accepted();

    /** Receive buffers currently held by connections (received and not yet consumed), over all loops. */
    int receiveBuffersInUse();

    /** Send buffers in use right now, over all loops. */
    int sendBuffersInUse();

    /** Sends made without a copy into the kernel ({@code SEND_ZC}) so far; 0 where the transport has none. */
    long zeroCopySends();

    /** Of {@link #zeroCopySends()}, those sent from a buffer registered with the kernel. */
    long registeredSends();

    /**
     * Statistics of every pool: for each loop its receive pool then its send pool. After
     * {@link #close()}, the snapshot taken once everything was released.
     */
    List<PoolStats> poolStats();

    /**
     * Stops accepting, aborts every connection (handlers see {@link Connection#REASON_SHUTDOWN}),
     * waits until every buffer is back in its pool, records {@link #poolStats()} and frees the
     * pools. Idempotent; not from a loop thread of this server.
     */
    @Override
    void close();
}
