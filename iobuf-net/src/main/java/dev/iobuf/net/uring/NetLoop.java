package dev.iobuf.net.uring;

import dev.iobuf.alloc.BufferRegistrar;
import dev.iobuf.internal.Libc;
import dev.iobuf.net.Connection;
import dev.iobuf.net.ConnectionHandler;
import dev.iobuf.net.NetConfig;
import dev.iobuf.pool.BufferPool;
import dev.iobuf.uring.BufferRing;
import dev.iobuf.uring.Errno;
import dev.iobuf.uring.IoUringException;
import dev.iobuf.uring.Sqe;
import dev.iobuf.uring.reactor.CompletionHandler;
import dev.iobuf.uring.reactor.EventLoop;
import dev.iobuf.uring.reactor.SpliceSender;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One server's share of one event loop: the loop's receive pool and provided-buffer ring, its send
 * pool, the connections living there, and the lists that implement back-pressure (receive sides
 * starved of buffers, send queues waiting for buffers, send queues with a send to prepare). The
 * {@link ConnectionLoop} of its connections. Loop thread only, except the counters read by
 * statistics.
 */
final class NetLoop implements ConnectionLoop {
    private static final System.Logger LOG = System.getLogger(NetLoop.class.getName());
    /*
     * Implementation notes.
     *
     * The starved, flush and buffer-waiter lists are PendingLists (arrays reused, so the steady
     * state allocates nothing). Each entry's owner keeps the flag that keeps it in a list at most
     * once and clears it when called back; an entry of a connection closed meanwhile is called
     * back all the same and does nothing.
     *
     * The iteration hook (once per loop iteration, before the SQEs go to the kernel) wakes the
     * buffer waiters if send buffers were released, re-arms starved receives if receive buffers
     * went back to the ring, and prepares one send per queue that was written to during the
     * iteration.
     */
    private static final AtomicInteger GROUPS = new AtomicInteger(0x4000);

    final EventLoop loop;
    private final Owner server;
    private final NetConfig config;
    private final BufferPool recvPool;
    private final BufferPool sendPool;
    private final int group;
    private final HeldBuffers held;
    private final BufferRing ring;

    private UringConnection[] conns = new UringConnection[64];
    private int connCount;
    private final PendingList<ReceiveSide> starved = new PendingList<>();
    private final PendingList<SendQueue> flushes = new PendingList<>();
    private final PendingList<SendQueue> waiters = new PendingList<>();
    /** Splice senders for file regions (Connection.sendFile): all made, and those free now. */
    private final List<Splice> splices = new java.util.ArrayList<>();
    private final java.util.ArrayDeque<Splice> idleSplices = new java.util.ArrayDeque<>();
    private int recycledSinceCheck;
    private boolean buffersFreed;
    private final TimeoutSweep sweep;
    private final long idleNanos;
    private boolean closing;
    private boolean released;
    private Runnable onReleased;
    /** SEND_ZC submitted (loop thread writes; read by statistics). */
    private volatile long zeroCopySends;
    /** Of those, how many sent from a registered buffer (RECVSEND_FIXED_BUF). */
    private volatile long registeredSends;
    /** Registered-buffer index of the send slab and of the receive slab; -1 when not registered. */
    private final int sendBufIndex;
    private final int recvBufIndex;
    /** This loop's share of the ring's buffer table; null when nothing is registered. */
    private BufferRegistrar registered;
    /** Receive buffers handed out by the kernel and not yet recycled (statistics, any thread). */
    private volatile int recvOutstanding;
    private int recvOut;

    /** A buffer group id no other ring user of this transport has (servers' loops and datagram endpoints). */
    static int nextGroup() {
        return GROUPS.getAndIncrement() & 0xFFFF;
    }

    /** Creates the loop's share; on the loop thread. */
    NetLoop(EventLoop loop, Owner server, NetConfig config, BufferPool recvPool, BufferPool sendPool) {
        this.loop = loop;
        this.server = server;
        this.config = config;
        this.recvPool = recvPool;
        this.sendPool = sendPool;
        this.group = nextGroup();
        this.held = new HeldBuffers(recvPool.capacity());
        this.idleNanos = config.idleTimeout().toNanos();
        this.ring = loop.bufferRing(group, recvPool, config.receiveBuffers(), false);
        // Only SEND_ZC uses the registration, and a send is at most one buffer: with a threshold
        // above both buffer sizes (the default) no send is ever zero-copy, so nothing is pinned.
        int zc = config.zeroCopyThreshold();
        boolean zeroCopyPossible = zc > 0 && zc <= Math.max(sendPool.tier().size(), recvPool.tier().size());
        int[] fixed = zeroCopyPossible ? registerSlabs(loop) : null;
        this.sendBufIndex = fixed == null ? -1 : fixed[0];
        this.recvBufIndex = fixed == null ? -1 : fixed[1];
        loop.onIteration(this::beforeSubmit);
        loop.onShutdown(() -> close(null));
        loop.onTerminate(this::forceRelease);
        this.sweep = new TimeoutSweep(loop, idleNanos, this::checkTimeouts);
    }

    /**
     * Registers the send and receive slabs in the ring's buffer table, so a SEND_ZC sends from a
     * registered buffer (the kernel skips pinning the pages for every send); null when the kernel
     * refuses (a slab over 1 GiB, the locked-memory limit): the sends then go unregistered.
     */
    private int[] registerSlabs(EventLoop loop) {
        BufferRegistrar tenant = loop.bufferTable().tenant();
        try {
            int[] idx = tenant.register(List.of(sendPool.slab(), recvPool.slab()));
            registered = tenant;
            return idx;
        } catch (RuntimeException refused) {
            tenant.close();
            return null;
        }
    }

    // ---- statistics (any thread) ----------------------------------------------------------------

    long zeroCopySends() {
        return zeroCopySends;
    }

    long registeredSends() {
        return registeredSends;
    }

    int receiveBuffersOut() {
        return recvOutstanding;
    }

    // ---- connections --------------------------------------------------------------------------

    /** Who a NetLoop works for (a server, or the transport's clients): told of connections and of the end. */
    interface Owner {
        /** The handler for a newly accepted connection. */
        ConnectionHandler newHandler();

        /** A connection was added. */
        void opened();

        /** A connection was removed. */
        void closed();

        /** An accepted or connected socket was closed before it became a connection (its options were refused). */
        default void refused() {
        }

        /** The loop's share released its buffer ring (it is closing). */
        void loopReleased(NetLoop loop);
    }

    /** Opens a connection for accepted socket {@code fd}. Loop thread. */
    void open(int fd) {
        open(fd, null);
    }

    /**
     * Opens a connection for socket {@code fd} (accepted, or connected by a client) with
     * {@code handler} (null: the owner's next); null when the loop is closing (fd closed). Loop thread.
     */
    UringConnection open(int fd, ConnectionHandler handler) {
        if (closing) {
            SocketCalls.close(fd);
            return null;
        }
        SocketCalls.setNoDelay(fd);
        if (!config.socketOptions().isEmpty() && !applyOptions(fd)) {
            SocketCalls.close(fd);
            server.refused();
            return null;
        }
        UringConnection c = new UringConnection(this, fd, handler != null ? handler : server.newHandler());
        c.open();
        return c;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private boolean applyOptions(int fd) {
        for (var e : config.socketOptions().entrySet()) {
            try {
                SocketCalls.setOption(fd, (java.net.SocketOption) e.getKey(), e.getValue());
            } catch (java.io.IOException | RuntimeException refused) {
                LOG.log(System.Logger.Level.WARNING, "socket option " + e.getKey().name() + " = " + e.getValue()
                        + " refused (" + refused.getMessage() + "); connection closed");
                return false;
            }
        }
        return true;
    }

    /** The event loop this share lives on. */
    EventLoop eventLoop() {
        return loop;
    }

    /** Whether the share is closing (no new connections). */
    boolean isClosing() {
        return closing;
    }

    @Override
    public void added(UringConnection c) {
        if (connCount == conns.length) {
            conns = Arrays.copyOf(conns, conns.length * 2);
        }
        c.tableIndex(connCount);
        conns[connCount++] = c;
        server.opened();
    }

    @Override
    public void removed(UringConnection c) {
        int i = c.tableIndex();
        if (i < 0) {
            return;
        }
        UringConnection last = conns[--connCount];
        conns[i] = last;
        last.tableIndex(i);
        conns[connCount] = null;
        c.tableIndex(-1);
        server.closed();
        if (closing && connCount == 0) {
            release();
        }
    }

    // ---- ConnectionLoop: completions, time, submissions ----------------------------------------

    @Override
    public int register(CompletionHandler handler) {
        return loop.register(handler);
    }

    @Override
    public void unregister(int slot) {
        loop.unregister(slot);
    }

    @Override
    public long now() {
        return loop.now();
    }

    @Override
    public Executor executor() {
        return loop;
    }

    @Override
    public NetConfig config() {
        return config;
    }

    @Override
    public void recvMultishot(int fd, long userData) {
        loop.sqe().recvMultishot(fd, group, 0).userData(userData);
    }

    @Override
    public void cancel(long target, long userData) {
        loop.sqe().cancel(target, 0).userData(userData);
    }

    @Override
    public void cancelAll(int fd, long userData) {
        loop.sqe().cancelFd(fd, dev.iobuf.uring.OpFlags.CANCEL_ALL).userData(userData);
    }

    @Override
    public void send(int fd, long address, int length, boolean fromReceiveBuffer, long userData) {
        if (zeroCopy(length)) {
            sendZc(fd, address, length, fromReceiveBuffer ? recvBufIndex : sendBufIndex, userData);
        } else {
            loop.sqe().send(fd, address, length, Libc.MSG_NOSIGNAL).userData(userData);
        }
    }

    @Override
    public void sendOwned(int fd, long address, int length, long userData) {
        if (zeroCopy(length)) {
            // looked up per send (a scan of the ring's table, no allocation): the caller's tenant may
            // have registered or unregistered its memory since the write
            sendZc(fd, address, length, loop.registeredBufferIndex(address, length), userData);
        } else {
            loop.sqe().send(fd, address, length, Libc.MSG_NOSIGNAL).userData(userData);
        }
    }

    /** Whether a send of {@code length} bytes goes out as SEND_ZC (NetConfig.zeroCopyThreshold). */
    private boolean zeroCopy(int length) {
        int zc = config.zeroCopyThreshold();
        return zc > 0 && length >= zc;
    }

    /** A SEND_ZC, from registered buffer {@code fixed} when it is not -1. */
    private void sendZc(int fd, long address, int length, int fixed, long userData) {
        Sqe sqe = null;
        if (fixed >= 0) {
            try {
                sqe = loop.sqe().sendZcFixed(fd, address, length, Libc.MSG_NOSIGNAL, 0, fixed);
                registeredSends++;
            } catch (IllegalArgumentException unregistered) {
                // someone emptied the slot of the ring's table (which its users must not do while
                // sending from it): the refused entry went back to the queue; send unregistered instead
            }
        }
        if (sqe == null) {
            sqe = loop.sqe().sendZc(fd, address, length, Libc.MSG_NOSIGNAL, 0);
        }
        zeroCopySends++;
        sqe.userData(userData);
    }

    @Override
    public SpliceSender sendFile(int fd, int fileFd, long position, long length, SpliceSender.Done done) {
        Splice s = idleSplices.poll();
        if (s == null) {
            try {
                s = new Splice(SpliceSender.open(loop));
            } catch (IoUringException e) {
                done.onDone(0, -e.errno()); // no pipe (the file limit): the connection fails like a send
                return null;
            }
            splices.add(s);
        }
        s.target = done;
        try {
            s.sender.send(fileFd, false, position, length, fd, false, s);
            return s.sender;
        } catch (RuntimeException e) {
            s.target = null;
            done.onDone(0, -Errno.EBADF);      // the connection fails like a send
            return null;
        }
    }

    /** A splice sender of this loop, and the send queue it works for now. */
    private final class Splice implements SpliceSender.Done {
        final SpliceSender sender;
        SpliceSender.Done target;

        Splice(SpliceSender sender) {
            this.sender = sender;
        }

        @Override
        public void onDone(long sent, int error) {
            SpliceSender.Done t = target;
            target = null;
            if (sender.isClosed()) {
                splices.remove(this);            // it lost its pipe: not used again
            } else {
                idleSplices.push(this);
            }
            t.onDone(sent, error);
        }

        @Override
        public void onProgress(long sent) {
            target.onProgress(sent);
        }
    }

    @Override
    public void shutdownOutput(int fd) {
        SocketCalls.shutdownOutput(fd);
    }

    @Override
    public void close(int fd) {
        SocketCalls.close(fd);
    }

    // ---- ConnectionLoop: buffers ----------------------------------------------------------------

    @Override
    public MemorySegment receiveView(int bid) {
        return recvPool.segment(bid); // built once per buffer by the pool: handlers see only their buffer
    }

    @Override
    public void taken(int bid) {
        recvOutstanding = ++recvOut;
    }

    @Override
    public void recycle(int bid) {
        ring.recycle(bid);
        recvOutstanding = --recvOut;
        recycledSinceCheck++;
    }

    @Override
    public HeldBuffers held() {
        return held;
    }

    @Override
    public BufferPool sendPool() {
        return sendPool;
    }

    // ---- ConnectionLoop: lists ------------------------------------------------------------------

    @Override
    public void requestFlush(SendQueue q) {
        flushes.add(q);
    }

    @Override
    public void waitForSendBuffers(SendQueue q) {
        waiters.add(q);
    }

    @Override
    public void sendBuffersFreed() {
        buffersFreed = true;
    }

    @Override
    public void starve(ReceiveSide side) {
        starved.add(side);
    }

    private void beforeSubmit() {
        if (buffersFreed && !waiters.isEmpty()) {
            buffersFreed = false;
            waiters.drain(SendQueue::buffersAvailable);
        }
        if (recycledSinceCheck > 0 && !starved.isEmpty()) {
            starved.drain(ReceiveSide::unstarve);
        }
        flushes.drain(SendQueue::flush);
        recycledSinceCheck = 0;
    }

    // ---- time-outs ------------------------------------------------------------------------------

    @Override
    public void ensureSweep(long nanos) {
        if (!closing) {
            sweep.ensure(nanos);
        }
    }

    /** Aborts the connections idle for longer than the idle time-out, or past their deadline, at {@code now}. */
    private void checkTimeouts(long now) {
        for (int i = connCount - 1; i >= 0; i--) {
            if (i >= connCount) {
                continue;
            }
            UringConnection c = conns[i];
            if (c.timedOut(now, idleNanos)) {
                c.abort(-Errno.ETIMEDOUT);
            }
        }
    }

    // ---- shutdown -------------------------------------------------------------------------------

    /**
     * Aborts every connection; once all are gone, closes the buffer ring (its buffers go back to
     * the receive pool) and runs {@code then}. Loop thread; idempotent.
     */
    void close(Runnable then) {
        if (then != null) {
            onReleased = then;
        }
        if (closing) {
            if (released && then != null) {
                then.run();
            }
            return;
        }
        closing = true;
        for (int i = connCount - 1; i >= 0; i--) {
            if (i < connCount) {
                conns[i].abort(Connection.REASON_SHUTDOWN);
            }
        }
        if (connCount == 0) {
            release();
        }
    }

    private void release() {
        if (released) {
            return;
        }
        released = true;
        sweep.stop();
        if (registered != null) {
            try {
                registered.close(); // every send has completed: no connection is left
            } catch (RuntimeException e) {
                // the slots stay filled until the ring closes; releasing the rest matters more
            }
            registered = null;
        }
        releaseRing();
    }

    /** The buffer ring is closed (its buffers go back to the receive pool); tells the server and runs the close's continuation. */
    private void releaseRing() {
        ring.close();
        for (Splice s : splices) {
            s.sender.close(); // every connection is gone, so no splice is in flight (or the loop is ending)
        }
        splices.clear();
        idleSplices.clear();
        recvOutstanding = recvOut = 0;
        server.loopReleased(this);
        if (onReleased != null) {
            onReleased.run();
        }
    }

    /** The loop is ending and its ring is closed: release what is left without the ring. */
    private void forceRelease() {
        closing = true;
        for (int i = connCount - 1; i >= 0; i--) {
            UringConnection c = conns[i];
            c.forceRelease();
            conns[i] = null;
            server.closed();
        }
        connCount = 0;
        if (!released) {
            released = true;
            releaseRing();
        }
    }

    /** Whether this loop's slabs are registered for zero-copy sends. */
    boolean slabsRegistered() {
        return sendBufIndex >= 0;
    }
}
