package dev.iobuf.net.uring;

import dev.iobuf.net.ConnectionHandler;
import dev.iobuf.net.NetConfig;
import dev.iobuf.net.Server;
import dev.iobuf.pool.BufferPool;
import dev.iobuf.pool.PoolStats;
import dev.iobuf.uring.reactor.EventLoop;
import dev.iobuf.uring.reactor.EventLoopGroup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A server of the io_uring transport on an {@link EventLoopGroup}: one listening socket with a
 * multishot accept ({@link Acceptor}) on the group's first loop; accepted connections are spread
 * over all loops round robin. Each loop gets its own receive pool (fed to a provided-buffer ring)
 * and send pool, sized by {@link NetConfig}, and a {@link NetLoop} that owns them and its
 * connections.
 *
 * <p>{@link #close()} stops accepting, aborts every connection, waits until every buffer is back in
 * its pool and frees the pools; {@link #poolStats()} then shows the final state. Shutting the
 * group down does the same through the loops' shutdown hooks.
 */
final class UringServer implements Server, NetLoop.Owner {
    /** How long {@link #close()} waits for the loops to release everything. */
    static final long CLOSE_TIMEOUT_SECONDS = 10;

    private final EventLoopGroup group;
    private final NetConfig config;
    private final Supplier<? extends ConnectionHandler> handlers;
    private final int listenFd;
    private final int port;
    private final List<NetLoop> netLoops = new ArrayList<>();
    private final List<BufferPool> receivePools = new ArrayList<>();
    private final List<BufferPool> sendPools = new ArrayList<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicInteger released = new AtomicInteger();
    private final CountDownLatch allReleased;
    private final AtomicInteger next = new AtomicInteger();
    private volatile List<PoolStats> finalStats;
    private volatile boolean closed;
    private volatile Acceptor acceptor;

    private UringServer(EventLoopGroup group, NetConfig config, Supplier<? extends ConnectionHandler> handlers, int[] listen) {
        this.group = group;
        this.config = config;
        this.handlers = handlers;
        this.listenFd = listen[0];
        this.port = listen[1];
        this.allReleased = new CountDownLatch(group.size());
    }

    /**
     * Listens on {@code address} (IPv4; IPv6, dual-stack like the JDK's sockets, so {@code [::]}
     * takes IPv4 connections too; or a Unix-domain path) and starts serving on every loop of
     * {@code group}.
     */
    static UringServer start(EventLoopGroup group, java.net.SocketAddress address, NetConfig config,
                             Supplier<? extends ConnectionHandler> handlers) throws java.io.IOException {
        int fd = SocketCalls.listen(address, config.backlog(), true, false);
        java.net.SocketAddress bound = SocketCalls.localAddress(fd);
        int port = bound instanceof java.net.InetSocketAddress in ? in.getPort() : 0;
        UringServer s = new UringServer(group, config, handlers, new int[] {fd, port});
        try {
            s.startLoops();
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Listens on {@code host:port} (the name resolved here, on the caller's thread) and starts serving on every loop of {@code group}. */
    static UringServer start(EventLoopGroup group, String host, int port, NetConfig config,
                             Supplier<? extends ConnectionHandler> handlers) throws java.io.IOException {
        return start(group, SocketCalls.resolve(host, port), config, handlers);
    }

    /** Accepted sockets not yet closed, counted only under a connection limit. */
    private final java.util.concurrent.atomic.AtomicInteger live = new java.util.concurrent.atomic.AtomicInteger();
    /** Whether the acceptor was paused at the limit. */
    private final java.util.concurrent.atomic.AtomicBoolean paused = new java.util.concurrent.atomic.AtomicBoolean();

    private void startLoops() {
        List<CompletableFuture<NetLoop>> futures = new ArrayList<>();
        for (EventLoop loop : group.loops()) {
            // one loop's thread takes and gives back all of these: no caches per stripe of threads
            BufferPool rp = BufferPool.builder(config.receiveTier(), config.receiveBuffers()).threadCaches(false).build();
            BufferPool sp = BufferPool.builder(config.sendTier(), config.sendBuffers()).threadCaches(false).build();
            receivePools.add(rp);
            sendPools.add(sp);
            futures.add(loop.submit(() -> new NetLoop(loop, this, config, rp, sp)));
        }
        for (CompletableFuture<NetLoop> f : futures) {
            netLoops.add(await(f));
        }
        EventLoop first = group.loops().get(0);
        acceptor = await(first.submit(() -> {
            Acceptor acc = new Acceptor(first, listenFd, this::accepted);
            acceptor = acc; // before the first accept can complete: accepted() may pause it
            acc.arm();
            return acc;
        }));
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("starting the server on its event loops failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the server", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the event loops did not start the server within " + CLOSE_TIMEOUT_SECONDS + " s", e);
        }
    }

    // ---- facts ----------------------------------------------------------------------------------

    @Override
    public long zeroCopySends() {
        long n = 0;
        for (NetLoop l : netLoops) {
            n += l.zeroCopySends();
        }
        return n;
    }

    @Override
    public long registeredSends() {
        long n = 0;
        for (NetLoop l : netLoops) {
            n += l.registeredSends();
        }
        return n;
    }

    /** Whether every loop's send and receive slabs are registered (zero copy possible, kernel agreed). */
    boolean slabsRegistered() {
        for (NetLoop l : netLoops) {
            if (!l.slabsRegistered()) {
                return false;
            }
        }
        return !netLoops.isEmpty();
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public java.net.SocketAddress localAddress() {
        return SocketCalls.localAddress(listenFd);
    }

    @Override
    public int openConnections() {
        return open.get();
    }

    @Override
    public long accepted() {
        return accepted.get();
    }

    @Override
    public NetConfig config() {
        return config;
    }

    @Override
    public int receiveBuffersInUse() {
        int n = 0;
        for (NetLoop l : netLoops) {
            n += l.receiveBuffersOut();
        }
        return n;
    }

    @Override
    public List<PoolStats> poolStats() {
        List<PoolStats> f = finalStats;
        if (f != null) {
            return f;
        }
        List<PoolStats> out = new ArrayList<>();
        for (int i = 0; i < receivePools.size(); i++) {
            out.add(receivePools.get(i).stats());
            out.add(sendPools.get(i).stats());
        }
        return out;
    }

    @Override
    public int sendBuffersInUse() {
        int n = 0;
        for (BufferPool p : sendPools) {
            n += p.capacity() - p.available();
        }
        return n;
    }

    // ---- callbacks from the loops ---------------------------------------------------------------

    @Override
    public ConnectionHandler newHandler() {
        return handlers.get();
    }

    @Override
    public void opened() {
        open.incrementAndGet();
    }

    @Override
    public void closed() {
        open.decrementAndGet();
        released();
    }

    @Override
    public void refused() {
        released();
    }

    /** One accepted socket is gone: below the connection limit, accept again. Any loop thread. */
    private void released() {
        int max = config.maxConnections();
        if (max > 0 && live.decrementAndGet() < max && paused.compareAndSet(true, false)) {
            Acceptor acc = acceptor;
            if (acc.loop().inLoop()) {
                acc.resume();
                return;
            }
            try {
                acc.loop().execute(acc::resume);
            } catch (java.util.concurrent.RejectedExecutionException gone) {
                // the loop has ended: nothing to accept on
            }
        }
    }

    @Override
    public void loopReleased(NetLoop l) {
        released.incrementAndGet();
        allReleased.countDown();
    }

    private NetLoop nextLoop() {
        return netLoops.get(Math.floorMod(next.getAndIncrement(), netLoops.size()));
    }

    // ---- accepting ------------------------------------------------------------------------------

    /** A descriptor the acceptor got (on the first loop): opens it on the next loop, round robin. */
    private void accepted(int fd) {
        accepted.incrementAndGet();
        int max = config.maxConnections();
        if (max > 0 && live.incrementAndGet() >= max && paused.compareAndSet(false, true)) {
            acceptor.pause(); // this is the acceptor's loop: new clients wait in the listen queue
            // a connection that closed between the count and the flag saw no pause to undo
            if (live.get() < max && paused.compareAndSet(true, false)) {
                acceptor.resume();
            }
        }
        NetLoop target = nextLoop();
        if (target.loop.inLoop()) {
            target.open(fd);
        } else if (!target.loop.offer(() -> target.open(fd))) {
            SocketCalls.close(fd); // that loop is saturated or gone: refuse the connection
            refused();
        }
    }

    // ---- closing --------------------------------------------------------------------------------

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Acceptor acc = acceptor;
        if (acc != null) {
            try {
                acc.loop().execute(acc::stop); // waits while the queue is full: a dropped stop would keep accepting
            } catch (java.util.concurrent.RejectedExecutionException gone) {
                // the loop has terminated: its terminate hook closed the listening socket already
            }
        } else {
            SocketCalls.close(listenFd);
        }
        for (NetLoop l : netLoops) {
            try {
                l.loop.execute(() -> l.close(null));
            } catch (java.util.concurrent.RejectedExecutionException gone) {
                continue; // loop gone: its terminate hook released everything
            }
        }
        for (int i = netLoops.size(); i < group.size(); i++) {
            allReleased.countDown(); // loops that never got a share (start failed)
        }
        try {
            if (!allReleased.await(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the server's connections did not close within " + CLOSE_TIMEOUT_SECONDS
                        + " s; its pools are left allocated");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        List<PoolStats> stats = new ArrayList<>();
        for (int i = 0; i < receivePools.size(); i++) {
            stats.add(receivePools.get(i).stats());
            stats.add(sendPools.get(i).stats());
        }
        finalStats = List.copyOf(stats);
        for (BufferPool p : receivePools) {
            p.close();
        }
        for (BufferPool p : sendPools) {
            p.close();
        }
    }
}
