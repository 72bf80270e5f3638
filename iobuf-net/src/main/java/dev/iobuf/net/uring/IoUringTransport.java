package dev.iobuf.net.uring;

import dev.iobuf.net.BlockingHandler;
import dev.iobuf.net.ConnectionHandler;
import dev.iobuf.net.DatagramEndpoint;
import dev.iobuf.net.DatagramHandler;
import dev.iobuf.net.NetConfig;
import dev.iobuf.net.Server;
import dev.iobuf.net.Transport;
import dev.iobuf.uring.reactor.EventLoopGroup;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The io_uring transport: servers whose connections live on the loops of an {@link EventLoopGroup},
 * receiving through a multishot receive into a provided-buffer ring fed by a pool and sending from
 * pooled buffers (or from the receive buffers themselves, {@code writeReceived}), zero-copy above
 * {@link NetConfig#zeroCopyThreshold()}; and datagram endpoints, each on one loop (round robin),
 * receiving through a multishot RECVMSG into a provided-buffer ring of their own and sending with
 * SENDMSG (SENDMSG_ZC above the threshold) from pooled buffers.
 *
 * <pre>{@code
 * try (EventLoopGroup loops = EventLoopGroup.start("echo")) {
 *     Transport transport = IoUringTransport.on(loops);
 *     try (Server server = transport.serve("127.0.0.1", 7000, NetConfig.defaults(), () -> handler)) {
 *         ...
 *     }
 * }
 * }</pre>
 */
public final class IoUringTransport implements Transport {
    private final EventLoopGroup group;
    /** The loop the next datagram endpoint goes to (round robin). */
    private final AtomicInteger nextLoop = new AtomicInteger();

    private IoUringTransport(EventLoopGroup group) {
        this.group = Objects.requireNonNull(group, "group");
    }

    /** The io_uring transport over {@code group}'s loops (the group stays the caller's to shut down). */
    public static IoUringTransport on(EventLoopGroup group) {
        return new IoUringTransport(group);
    }

    /** The loops connections live on. */
    public EventLoopGroup group() {
        return group;
    }

    @Override
    public String name() {
        return "io_uring";
    }

    @Override
    public int loops() {
        return group.size();
    }

    @Override
    public Server serve(String host, int port, NetConfig config, Supplier<? extends ConnectionHandler> handlers)
            throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(handlers, "handlers");
        return UringServer.start(group, host, port, config, handlers);
    }

    @Override
    public Server serveBlocking(String host, int port, NetConfig config, BlockingHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        return serve(host, port, config, () -> new UringBlockingConnection.Adapter(handler));
    }

    @Override
    public DatagramEndpoint bindDatagram(String host, int port, NetConfig config, DatagramHandler handler)
            throws IOException {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(handler, "handler");
        return UringDatagramEndpoint.open(nextLoop(), host, port, null, config, handler);
    }

    @Override
    public DatagramEndpoint connectDatagram(String host, int port, NetConfig config, DatagramHandler handler)
            throws IOException {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(handler, "handler");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the peer's port must be 1..65535, got " + port);
        }
        InetSocketAddress peer = new InetSocketAddress(SocketCalls.resolve(host), port);
        return UringDatagramEndpoint.open(nextLoop(), "", 0, peer, config, handler);
    }

    private dev.iobuf.uring.reactor.EventLoop nextLoop() {
        return group.loops().get(Math.floorMod(nextLoop.getAndIncrement(), group.size()));
    }
}
