package dev.iobuf.net.uring;

import dev.iobuf.net.Connection;
import dev.iobuf.net.ConnectionHandler;
import dev.iobuf.net.NetConfig;
import dev.iobuf.pool.BufferPool;
import dev.iobuf.uring.Errno;
import dev.iobuf.uring.Timespec;
import dev.iobuf.uring.reactor.CompletionHandler;
import dev.iobuf.uring.reactor.EventLoop;
import dev.iobuf.uring.reactor.EventLoopGroup;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The client side of the io_uring transport for one {@link NetConfig}: outgoing connections on a
 * group's loops, round robin. Each loop gets its share ({@link NetLoop}, with receive and send pools
 * of the config) at its first connection; connections then live there exactly as accepted ones do.
 */
final class UringClient implements NetLoop.Owner {
    /*
     * Implementation notes.
     *
     * A connect is CONNECT linked to a LINK_TIMEOUT, prepared on the loop thread by a Connect
     * record that owns a loop slot and a confined arena (the sockaddr and the timespec) until both
     * of its completions arrived: only then are the slot and the arena given back, since the kernel
     * reads the address until the connect completes. The NetLoop shares are made on their loop
     * threads and published through an AtomicReferenceArray; they end with their loops (the shares
     * close on the loop's shutdown).
     */
    private final EventLoopGroup group;
    private final NetConfig config;
    private final AtomicReferenceArray<NetLoop> shares;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();

    UringClient(EventLoopGroup group, NetConfig config) {
        this.group = group;
        this.config = config;
        this.shares = new AtomicReferenceArray<>(group.size());
    }

    NetConfig config() {
        return config;
    }

    /** Connections open now. */
    int openConnections() {
        return open.get();
    }

    /**
     * Connects to {@code remote} (resolved) on the next loop; the future completes on the loop
     * thread with the open connection (after {@code handler.onOpen}) or with the failure:
     * {@link ConnectException}, {@link SocketTimeoutException}, {@link NoRouteToHostException} or
     * an {@link IOException} naming the address and errno.
     */
    CompletableFuture<Connection> connect(SocketAddress remote, ConnectionHandler handler, long timeoutNanos) {
        CompletableFuture<Connection> result = new CompletableFuture<>();
        int i = Math.floorMod(next.getAndIncrement(), group.size());
        EventLoop loop = group.loops().get(i);
        Runnable start = () -> {
            try {
                NetLoop share = share(i, loop);
                new Connect(share, remote, handler, timeoutNanos, result).start();
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        };
        if (loop.inLoop()) {
            start.run();
        } else {
            try {
                loop.execute(start);
            } catch (RuntimeException e) {
                result.completeExceptionally(new IOException("event loop " + loop.name() + " cannot take the connect", e));
            }
        }
        return result;
    }

    private NetLoop share(int i, EventLoop loop) {
        NetLoop s = shares.get(i);
        if (s == null || s.isClosing()) {
            BufferPool rp = BufferPool.builder(config.receiveTier(), config.receiveBuffers()).threadCaches(false).build();
            BufferPool sp = BufferPool.builder(config.sendTier(), config.sendBuffers()).threadCaches(false).build();
            // terminate hooks run in reverse order: this one, registered before the share's own,
            // closes the pools after the share gave its buffers back
            loop.onTerminate(() -> {
                rp.close();
                sp.close();
            });
            s = new NetLoop(loop, this, config, rp, sp);
            shares.set(i, s);
        }
        return s;
    }

    // ---- NetLoop.Owner --------------------------------------------------------------------------

    @Override
    public ConnectionHandler newHandler() {
        throw new IllegalStateException("a client's connections bring their own handler");
    }

    @Override
    public void opened() {
        open.incrementAndGet();
    }

    @Override
    public void closed() {
        open.decrementAndGet();
    }

    @Override
    public void loopReleased(NetLoop loop) {
        // the share closes with its loop; its pools are closed by the loop's terminate hook
    }

    /** One connect in flight: CONNECT linked to LINK_TIMEOUT. Loop thread. */
    private static final class Connect implements CompletionHandler {
        private static final int TAG_CONNECT = 1;
        private static final int TAG_TIMEOUT = 2;

        private final NetLoop share;
        private final EventLoop loop;
        private final SocketAddress remote;
        private final ConnectionHandler handler;
        private final long timeoutNanos;
        private final CompletableFuture<Connection> result;
        private final Arena arena = Arena.ofConfined();
        private int fd = -1;
        private int slot;
        private int pending;
        private int connectResult = Integer.MIN_VALUE;

        Connect(NetLoop share, SocketAddress remote, ConnectionHandler handler, long timeoutNanos,
                CompletableFuture<Connection> result) {
            this.share = share;
            this.loop = share.eventLoop();
            this.remote = remote;
            this.handler = handler;
            this.timeoutNanos = timeoutNanos;
            this.result = result;
        }

        void start() throws IOException {
            try {
                MemorySegment sa = arena.allocate(SockAddr.MAX_BYTES, 8);
                int len = SockAddr.write(sa, remote);
                fd = SocketCalls.socketFor(remote);
                slot = loop.register(this);
                loop.reserve(2); // CONNECT and its LINK_TIMEOUT must go in one submit
                if (timeoutNanos > 0) {
                    MemorySegment ts = Timespec.allocate(arena);
                    Timespec.set(ts, timeoutNanos);
                    loop.sqe().connect(fd, sa.address(), len).link().userData(EventLoop.userData(slot, TAG_CONNECT));
                    loop.sqe().linkTimeout(ts.address(), 0).userData(EventLoop.userData(slot, TAG_TIMEOUT));
                    pending = 2;
                } else {
                    loop.sqe().connect(fd, sa.address(), len).userData(EventLoop.userData(slot, TAG_CONNECT));
                    pending = 1;
                }
            } catch (IOException | RuntimeException e) {
                end();
                if (fd >= 0) {
                    SocketCalls.close(fd);
                }
                throw e;
            }
        }

        @Override
        public void onCompletion(int tag, int res, int flags) {
            if (tag == TAG_CONNECT) {
                connectResult = res;
            }
            if (--pending > 0) {
                return;
            }
            end();
            if (connectResult == 0) {
                UringConnection c = share.open(fd, handler);
                if (c == null) {
                    result.completeExceptionally(new IOException("connect to " + remote + ": the transport is closing"));
                } else {
                    result.complete(c);
                }
                return;
            }
            SocketCalls.close(fd);
            result.completeExceptionally(failure(connectResult));
        }

        private IOException failure(int res) {
            String where = "connect to " + remote;
            return switch (-res) {
                case Errno.ECANCELED -> new SocketTimeoutException(where + " timed out after "
                        + timeoutNanos / 1_000_000 + " ms");
                case Errno.ECONNREFUSED -> new ConnectException(where + ": " + Errno.describe(res)
                        + " (nothing listens there)");
                case Errno.ETIMEDOUT -> new SocketTimeoutException(where + ": " + Errno.describe(res));
                case Errno.ENETUNREACH, 113 -> new NoRouteToHostException(where + ": " + Errno.describe(res));
                case Errno.ENOENT -> new ConnectException(where + ": " + Errno.describe(res) + " (no such socket file)");
                default -> new ConnectException(where + ": " + Errno.describe(res));
            };
        }

        private void end() {
            if (slot > 0) {
                loop.unregister(slot);
                slot = 0;
            }
            if (arena.scope().isAlive()) {
                arena.close();
            }
        }
    }
}
