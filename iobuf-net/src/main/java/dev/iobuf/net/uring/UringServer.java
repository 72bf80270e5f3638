package dev.iobuf.net;

import dev.iobuf.pool.BufferPool;
import dev.iobuf.pool.PoolStats;
import dev.iobuf.uring.CqeFlags;
import dev.iobuf.uring.Errno;
import dev.iobuf.uring.reactor.CompletionHandler;
import dev.iobuf.uring.reactor.EventLoop;
import dev.iobuf.uring.reactor.EventLoopGroup;
import dev.iobuf.uring.reactor.LoopTimer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A TCP server on an {@link EventLoopGroup}: one listening socket with a multishot accept on the
 * group's first loop; accepted connections are spread over all loops round robin. Each loop gets
 * its own receive pool (fed to a provided-buffer ring) and send pool, sized by {@link NetConfig}.
 *
 * <p>Two styles: {@link #start} with a {@link TcpHandler} called on the loop thread, or
 * {@link #startBlocking} running one virtual thread per connection over a
 * {@link BlockingConnection}.
 *
 * <p>{@link #close()} stops accepting, aborts every connection, waits until every buffer is back in
 * its pool and frees the pools; {@link #poolStats()} then shows the final state. Shutting the
 * group down does the same through the loops' shutdown hooks.
 */
public final class TcpServer implements AutoCloseable {
    /** How long to wait before re-arming the accept after running out of descriptors or memory. */
    static final long ACCEPT_RETRY_NANOS = 50_000_000L;
    /** How long {@link #close()} waits for the loops to release everything. */
    static final long CLOSE_TIMEOUT_SECONDS = 10;

    private final EventLoopGroup group;
    private final NetConfig config;
    private final Supplier<? extends TcpHandler> handlers;
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
    private Acceptor acceptor;

    private TcpServer(EventLoopGroup group, NetConfig config, Supplier<? extends TcpHandler> handlers, int[] listen) {
        this.group = group;
        this.config = config;
        this.handlers = handlers;
        this.listenFd = listen[0];
        this.port = listen[1];
        this.allReleased = new CountDownLatch(group.size());
    }

    /**
     * Listens on {@code host:port} (port 0: a free one, see {@link #port()}) and serves each
     * connection with a handler from {@code handlers} (called on the loop thread; may return the
     * same stateless handler every time).
     *
     * @throws IOException when the address cannot be bound (the message names the call and errno)
     */
    public static TcpServer start(EventLoopGroup group, String host, int port, NetConfig config,
                                  Supplier<? extends TcpHandler> handlers) throws IOException {
        TcpServer s = new TcpServer(group, config, handlers, SocketCalls.listen(host, port, config.backlog()));
        try {
            s.startLoops();
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /**
     * Listens like {@link #start} and runs {@code perConnection} on a new virtual thread for every
     * accepted connection; the connection is closed when it returns (or throws).
     */
    public static TcpServer startBlocking(EventLoopGroup group, String host, int port, NetConfig config,
                                          Consumer<BlockingConnection> perConnection) throws IOException {
        return start(group, host, port, config, () -> new BlockingConnection.Adapter(perConnection));
    }

    private void startLoops() {
        List<CompletableFuture<NetLoop>> futures = new ArrayList<>();
        for (EventLoop loop : group.loops()) {
            BufferPool rp = BufferPool.create(config.receiveTier(), config.receiveBuffers());
            BufferPool sp = BufferPool.create(config.sendTier(), config.sendBuffers());
            receivePools.add(rp);
            sendPools.add(sp);
            CompletableFuture<NetLoop> f = new CompletableFuture<>();
            futures.add(f);
            loop.execute(() -> {
                try {
                    f.complete(new NetLoop(loop, this, config, rp, sp));
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        }
        for (CompletableFuture<NetLoop> f : futures) {
            netLoops.add(await(f));
        }
        EventLoop first = group.loops().get(0);
        CompletableFuture<Acceptor> a = new CompletableFuture<>();
        first.execute(() -> {
            try {
                Acceptor acc = new Acceptor(first);
                acc.arm();
                a.complete(acc);
            } catch (Throwable t) {
                a.completeExceptionally(t);
            }
        });
        acceptor = await(a);
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

    /** SEND_ZC operations submitted so far, over all loops. */
    long zeroCopySends() {
        long n = 0;
        for (NetLoop l : netLoops) {
            n += l.zeroCopySends;
        }
        return n;
    }

    /** Whether every loop's send and receive slabs are registered (zero copy possible, kernel agreed). */
    boolean slabsRegistered() {
        for (NetLoop l : netLoops) {
            if (l.sendBufIndex < 0) {
                return false;
            }
        }
        return !netLoops.isEmpty();
    }

    /** Of those, the ones that sent from a registered buffer. */
    long registeredSends() {
        long n = 0;
        for (NetLoop l : netLoops) {
            n += l.registeredSends;
        }
        return n;
    }

    /** The port the server listens on. */
    public int port() {
        return port;
    }

    /** Connections open right now. */
    public int openConnections() {
        return open.get();
    }

    /** Connections accepted since the start. */
    public long accepted() {
        return accepted.get();
    }

    /** The configuration. */
    public NetConfig config() {
        return config;
    }

    /** Receive buffers currently handed out by the kernel and not yet recycled, over all loops. */
    public int receiveBuffersInUse() {
        int n = 0;
        for (NetLoop l : netLoops) {
            n += l.recvOutstanding;
        }
        return n;
    }

    /**
     * Statistics of every pool: for each loop its receive pool then its send pool. While running
     * the receive pools show the buffers lent to their rings as in use; after {@link #close()} the
     * snapshot taken once everything was released.
     */
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

    /** Send-pool buffers in use right now, over all loops. */
    public int sendBuffersInUse() {
        int n = 0;
        for (BufferPool p : sendPools) {
            n += p.capacity() - p.available();
        }
        return n;
    }

    // ---- callbacks from the loops ---------------------------------------------------------------

    TcpHandler newHandler() {
        return handlers.get();
    }

    void opened() {
        open.incrementAndGet();
    }

    void closed() {
        open.decrementAndGet();
    }

    void loopReleased(NetLoop l) {
        released.incrementAndGet();
        allReleased.countDown();
    }

    private NetLoop nextLoop() {
        return netLoops.get(Math.floorMod(next.getAndIncrement(), netLoops.size()));
    }

    // ---- accepting ------------------------------------------------------------------------------

    /** The multishot accept on the first loop. */
    private final class Acceptor implements CompletionHandler {
        private final EventLoop loop;
        private final int slot;
        private final LoopTimer retry;
        private boolean armed;
        private boolean stopping;
        private boolean fdClosed;
        /** Whether a cancel of the accept was submitted and its own completion has not come yet. */
        private boolean cancelPending;

        Acceptor(EventLoop loop) {
            this.loop = loop;
            this.slot = loop.register(this);
            this.retry = new LoopTimer(loop, this::arm);
            loop.onShutdown(this::stop);
            loop.onTerminate(this::closeFd);
        }

        void arm() {
            if (stopping || armed) {
                return;
            }
            loop.sqe().acceptMultishot(listenFd, 0, 0, SocketCalls.SOCK_CLOEXEC).userData(EventLoop.userData(slot, 1));
            armed = true;
        }

        @Override
        public void onCompletion(int tag, int res, int flags) {
            if (tag != 1) {
                // The cancel's own completion: the slot may be freed only when neither the accept
                // nor the cancel can still post a completion to it.
                cancelPending = false;
                if (stopping && !armed) {
                    finishStop();
                }
                return;
            }
            if (!CqeFlags.hasMore(flags)) {
                armed = false;
            }
            if (res >= 0) {
                accepted.incrementAndGet();
                NetLoop target = nextLoop();
                if (target.loop == loop) {
                    target.open(res);
                } else {
                    int fd = res;
                    if (!target.loop.offer(() -> target.open(fd))) {
                        SocketCalls.close(fd); // that loop is saturated or gone: refuse the connection
                    }
                }
            }
            if (!armed) {
                if (stopping) {
                    if (!cancelPending) {
                        finishStop();
                    }
                } else if (res < 0) {
                    // Out of descriptors or memory, or an error that may persist: re-arm after a
                    // pause, never in a busy loop.
                    retry.schedule(ACCEPT_RETRY_NANOS);
                } else {
                    arm(); // the kernel ended the multishot after a success: arm it again
                }
            }
        }

        void stop() {
            if (stopping) {
                return;
            }
            stopping = true;
            retry.close();
            if (armed) {
                cancelPending = true;
                loop.sqe().cancel(EventLoop.userData(slot, 1), 0).userData(EventLoop.userData(slot, 2));
            } else {
                finishStop();
            }
        }

        private boolean finished;

        private void finishStop() {
            if (finished) {
                return;
            }
            finished = true;
            closeFd();
            loop.unregister(slot);
        }

        private void closeFd() {
            if (!fdClosed) {
                fdClosed = true;
                SocketCalls.close(listenFd);
            }
        }
    }

    // ---- closing --------------------------------------------------------------------------------

    /**
     * Stops accepting, aborts every connection (handlers see {@link TcpConnection#REASON_SHUTDOWN}),
     * waits until every buffer is back in its pool, records {@link #poolStats()} and frees the
     * pools. Idempotent; not from a loop thread of this server.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Acceptor acc = acceptor;
        if (acc != null) {
            try {
                acc.loop.execute(acc::stop); // waits while the queue is full: a dropped stop would keep accepting
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
