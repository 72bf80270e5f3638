package dev.iobuf.net;

import dev.iobuf.pool.PoolStats;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A datagram (UDP) socket of some {@link Transport}, bound to a local address and port
 * ({@link Transport#bindDatagram}) or connected to one peer ({@link Transport#connectDatagram}),
 * living on one event loop: every datagram that arrives goes to its {@link DatagramHandler} on
 * that loop's thread; {@link #send} copies a datagram into a pooled send buffer and sends it.
 *
 * <p>Everything is bounded and nothing is allocated per datagram: the endpoint has its own receive
 * buffers ({@link NetConfig#receiveBuffers()} of {@link NetConfig#receiveTier()}) and its own send
 * buffers, one per send in flight ({@link NetConfig#sendQueue()} of {@link NetConfig#sendTier()});
 * when all of them are in flight, {@code send} refuses (the handler hears
 * {@link DatagramHandler#onWritable} when one is free again) rather than queueing. A datagram of
 * at least {@link NetConfig#zeroCopyThreshold()} bytes is sent without a copy into the kernel, its
 * buffer held until the kernel is done with it. The socket's kernel buffers are raised to match
 * (never below the system's default, and as far as {@code net.core.rmem_max} and {@code wmem_max}
 * allow), so a burst the receive buffers can take is not dropped by the socket first.
 *
 * <p>Threads: {@link #localAddress()}, {@link #remoteAddress()}, {@link #isOpen()},
 * {@link #poolStats()}, {@link #zeroCopySends()} and {@link #close()} may be called from any
 * thread; every other method only on the endpoint's loop thread (in the handler's callbacks, or in
 * a task given to {@link #executor()}), and {@link #send} throws {@link IllegalStateException}
 * elsewhere.
 */
public interface DatagramEndpoint extends AutoCloseable {
    /** {@link DatagramHandler#onClose} reason when the loop was shut down ({@code -ESHUTDOWN}). */
    int REASON_SHUTDOWN = Connection.REASON_SHUTDOWN;

    /** Runs tasks on this endpoint's loop thread, where its methods may be called. */
    Executor executor();

    /** The socket's file descriptor (for logging and socket options; do not read or close it). */
    int fd();

    /** The local address and port the socket is bound to (the kernel's choice of port, when 0 was asked for). */
    InetSocketAddress localAddress();

    /** The peer of a connected endpoint; null for an unconnected one. */
    InetSocketAddress remoteAddress();

    /** Whether the endpoint is connected to one peer ({@link Transport#connectDatagram}). */
    boolean isConnected();

    /** Whether the endpoint is open (not closing or closed). */
    boolean isOpen();

    /** State of the handler's choosing. */
    Object attachment();

    /** Sets the state of the handler's choosing. */
    void attach(Object value);

    /**
     * The longest datagram {@link #send} takes: a send buffer ({@link NetConfig#sendTier()}), at
     * most what UDP carries (65,507 bytes over IPv4, 65,527 over IPv6).
     */
    int maxSendLength();

    /**
     * The longest datagram received whole: a receive buffer ({@link NetConfig#receiveTier()}) less
     * the room for the transport's header and the sender's address. A longer one is delivered
     * truncated, with its full length.
     */
    int maxReceiveLength();

    /**
     * Sends {@code length} bytes at {@code offset} of {@code src} as one datagram to {@code to},
     * copied into a send buffer first (so {@code src} and {@code to} may be reused at once).
     *
     * @return true when the datagram is on its way; false when every send buffer is in flight
     *         ({@link DatagramHandler#onWritable} follows when one is free) or the endpoint is no
     *         longer open. A datagram on its way can still be lost, as datagrams are; a failed send
     *         is reported to {@link DatagramHandler#onError}.
     * @throws IllegalArgumentException when {@code length} is negative or over {@link #maxSendLength()},
     *                                  or {@code to} is empty or of a family the socket cannot reach
     *                                  (an IPv6 address from an IPv4 socket)
     * @throws IllegalStateException    off the endpoint's loop thread
     */
    boolean send(MemorySegment src, long offset, int length, SocketAddressView to);

    /** Like {@link #send(MemorySegment, long, int, SocketAddressView)} from a byte array. */
    boolean send(byte[] src, int offset, int length, SocketAddressView to);

    /**
     * Sends one datagram to the peer of a connected endpoint; otherwise like
     * {@link #send(MemorySegment, long, int, SocketAddressView)}.
     *
     * @throws IllegalStateException when the endpoint is not connected, or off its loop thread
     */
    boolean send(MemorySegment src, long offset, int length);

    /** Like {@link #send(MemorySegment, long, int)} from a byte array. */
    boolean send(byte[] src, int offset, int length);

    /** Sends in flight: datagrams given to the kernel whose buffers it has not given back yet. */
    int sendsInFlight();

    /**
     * Stops receiving until {@link #resumeReading()}: arriving datagrams wait in the socket's
     * kernel buffer, and are dropped by the kernel when it is full. Datagrams the kernel had
     * already placed in receive buffers before the receive was stopped are still delivered.
     */
    void pauseReading();

    /** Receives again after {@link #pauseReading()}. */
    void resumeReading();

    /** Datagrams sent without a copy into the kernel (at least {@link NetConfig#zeroCopyThreshold()} bytes) so far. */
    long zeroCopySends();

    /** Statistics of the endpoint's receive pool then its send pool; after close, the snapshot taken once everything was back. */
    List<PoolStats> poolStats();

    /**
     * Stops receiving, lets the sends in flight complete, closes the socket and frees the pools;
     * {@link DatagramHandler#onClose} follows with reason 0. On the loop thread it returns at once
     * (the rest follows as the completions come); on any other thread it returns once everything
     * is released. Idempotent.
     *
     * @throws IllegalStateException when the loop did not release the endpoint within 10 s
     */
    @Override
    void close();
}
