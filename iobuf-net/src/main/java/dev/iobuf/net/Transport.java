package dev.iobuf.net;

import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * How connections and datagrams are carried: the seam between the network API ({@link Connection},
 * {@link ConnectionHandler}, {@link BlockingConnection}, {@link Server}, {@link DatagramEndpoint},
 * {@link DatagramHandler}) and one implementation of
 * it over a group of event loops. The io_uring transport is {@code dev.iobuf.net.uring.IoUringTransport};
 * a transport built on {@code java.nio} implements the same interface, so handlers, pools and
 * limits do not change with the transport.
 */
public interface Transport {
    /** The transport's name, e.g. {@code io_uring}. */
    String name();

    /** The number of event loops connections are spread over. */
    int loops();

    /**
     * Listens on {@code host:port} (port 0: a free one, see {@link Server#port()}) and serves each
     * connection with a handler from {@code handlers}, called on the connection's loop thread (it
     * may return the same stateless handler every time).
     *
     * @throws IOException when the address cannot be bound (the message names the call and errno)
     */
    Server serve(String host, int port, NetConfig config, Supplier<? extends ConnectionHandler> handlers)
            throws IOException;

    /**
     * Listens like {@link #serve} and runs {@code handler} on a new virtual thread for every
     * accepted connection; the connection is closed when it returns (or throws).
     *
     * @throws IOException when the address cannot be bound
     */
    Server serveBlocking(String host, int port, NetConfig config, BlockingHandler handler) throws IOException;

    /**
     * Listens on {@code address}: an {@code InetSocketAddress} (IPv4, or IPv6, where the wildcard
     * {@code [::]} also takes IPv4 connections) or a {@code UnixDomainSocketAddress} (the path must
     * not exist; delete it after {@code close}).
     */
    Server serve(SocketAddress address, NetConfig config, Supplier<? extends ConnectionHandler> handlers)
            throws IOException;

    /** Like {@link #serve(SocketAddress, NetConfig, Supplier)} with one virtual thread per connection. */
    Server serveBlocking(SocketAddress address, NetConfig config, BlockingHandler handler) throws IOException;

    /**
     * Connects to {@code remote} (IPv4, IPv6 or Unix-domain); the connection is served by
     * {@code handler} like an accepted one ({@code onOpen} first). An unresolved
     * {@code InetSocketAddress} is resolved on a virtual thread, never on a loop thread.
     *
     * @param timeout how long the connect may take ({@link Duration#ZERO}: the kernel's own limit)
     * @return completes with the open connection, or with {@link java.net.ConnectException} (refused),
     *         {@link java.net.SocketTimeoutException} (the time-out),
     *         {@link java.net.UnknownHostException}, or an {@link IOException} naming address and errno
     */
    CompletableFuture<Connection> connect(SocketAddress remote, NetConfig config, ConnectionHandler handler,
                                          Duration timeout);

    /**
     * Connects to {@code remote} and returns the connection in blocking calls (for a virtual thread).
     *
     * @throws java.net.ConnectException       when nothing listens there
     * @throws java.net.SocketTimeoutException when {@code timeout} passed first
     * @throws IOException                     for other failures, naming the address
     */
    BlockingConnection connectBlocking(SocketAddress remote, NetConfig config, Duration timeout) throws IOException;

    /**
     * Opens a datagram (UDP) socket bound to {@code host:port} (port 0: a free one, see
     * {@link DatagramEndpoint#localAddress()}; {@code 0.0.0.0} or {@code ::} for every interface)
     * on one of the transport's loops, and hands every datagram that arrives to {@code handler} on
     * that loop's thread. It sends to any address ({@link DatagramEndpoint#send(byte[], int, int,
     * SocketAddressView)}) and receives from anyone.
     *
     * @param config the endpoint's buffers: {@link NetConfig#receiveBuffers()} receive buffers of
     *               {@link NetConfig#receiveTier()}, {@link NetConfig#sendQueue()} send buffers of
     *               {@link NetConfig#sendTier()} (its sends in flight at most), zero copy from
     *               {@link NetConfig#zeroCopyThreshold()}; the other fields do not apply
     * @throws IOException when the address cannot be resolved or bound (the message names the call
     *                     and errno)
     */
    DatagramEndpoint bindDatagram(String host, int port, NetConfig config, DatagramHandler handler) throws IOException;

    /**
     * Opens a datagram (UDP) socket connected to {@code host:port}, bound to a free port of the
     * wildcard address: it sends to that peer ({@link DatagramEndpoint#send(byte[], int, int)}) and
     * receives only from it; the kernel reports the peer's ICMP errors (such as
     * {@code -ECONNREFUSED} when nothing listens there) to {@link DatagramHandler#onError}.
     * Otherwise like {@link #bindDatagram}.
     *
     * @throws IOException when the address cannot be resolved or connected to
     */
    DatagramEndpoint connectDatagram(String host, int port, NetConfig config, DatagramHandler handler) throws IOException;
}
