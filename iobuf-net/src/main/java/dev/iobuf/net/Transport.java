package dev.iobuf.net;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * How connections are carried: the seam between the network API ({@link Connection},
 * {@link ConnectionHandler}, {@link BlockingConnection}, {@link Server}) and one implementation of
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
}
