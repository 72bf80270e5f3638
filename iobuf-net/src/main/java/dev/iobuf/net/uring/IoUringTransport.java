package dev.iobuf.net.uring;

import dev.iobuf.net.BlockingHandler;
import dev.iobuf.net.ConnectionHandler;
import dev.iobuf.net.DatagramEndpoint;
import dev.iobuf.net.DatagramHandler;
import dev.iobuf.net.NetConfig;
import dev.iobuf.net.Server;
import dev.iobuf.net.Transport;
import dev.iobuf.uring.reactor.EventLoopGroup;

import dev.iobuf.net.BlockingConnection;
import dev.iobuf.net.Connection;
import dev.iobuf.uring.reactor.EventLoop;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
    /** The client side, one per configuration used. */
    private final java.util.concurrent.ConcurrentHashMap<NetConfig, UringClient> clients = new java.util.concurrent.ConcurrentHashMap<>();
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
    public Server serve(SocketAddress address, NetConfig config, Supplier<? extends ConnectionHandler> handlers)
            throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(handlers, "handlers");
        return UringServer.start(group, resolved(address), config, handlers);
    }

    @Override
    public Server serveBlocking(SocketAddress address, NetConfig config, BlockingHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        return serve(address, config, () -> new UringBlockingConnection.Adapter(handler));
    }

    @Override
    public CompletableFuture<Connection> connect(SocketAddress remote, NetConfig config, ConnectionHandler handler,
                                                 Duration timeout) {
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(handler, "handler");
        long nanos = timeout.toNanos();
        UringClient client = clients.computeIfAbsent(config, c -> new UringClient(group, c));
        if (remote instanceof InetSocketAddress in && in.isUnresolved()) {
            // a name lookup blocks: on a virtual thread, then on to the loop
            CompletableFuture<Connection> result = new CompletableFuture<>();
            Thread.ofVirtual().name("resolve " + in.getHostString()).start(() -> {
                try {
                    InetSocketAddress r = resolve(in);
                    client.connect(r, handler, nanos).whenComplete((c, e) -> {
                        if (e != null) {
                            result.completeExceptionally(e);
                        } else {
                            result.complete(c);
                        }
                    });
                } catch (IOException e) {
                    result.completeExceptionally(e);
                }
            });
            return result;
        }
        return client.connect(remote, handler, nanos);
    }

    @Override
    public BlockingConnection connectBlocking(SocketAddress remote, NetConfig config, Duration timeout) throws IOException {
        if (group.loops().stream().anyMatch(EventLoop::inLoop)) {
            throw new IllegalStateException("connectBlocking would block a loop thread; use connect");
        }
        UringBlockingConnection.Adapter adapter = new UringBlockingConnection.Adapter(null);
        try {
            connect(resolved(remote), config, adapter, timeout).get();
            return adapter.connection();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while connecting to " + remote);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("connect to " + remote + " failed", e.getCause());
        }
    }

    private static SocketAddress resolved(SocketAddress address) throws IOException {
        return address instanceof InetSocketAddress in && in.isUnresolved() ? resolve(in) : address;
    }

    private static InetSocketAddress resolve(InetSocketAddress in) throws IOException {
        try {
            return new InetSocketAddress(InetAddress.getByName(in.getHostString()), in.getPort());
        } catch (UnknownHostException e) {
            throw new UnknownHostException("cannot resolve " + in.getHostString() + ": " + e.getMessage());
        }
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
