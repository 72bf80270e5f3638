package dev.iobuf.net;

import dev.iobuf.alloc.BufferRegistrar;
import dev.iobuf.pool.BufferPool;
import dev.iobuf.uring.BufferRing;
import dev.iobuf.uring.reactor.EventLoop;
import dev.iobuf.uring.reactor.LoopTimer;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One server's share of one event loop: the loop's receive pool and provided-buffer ring, its send
 * pool, the connections living there, and the lists that implement back-pressure (connections
 * starved of receive buffers, connections waiting for send buffers, connections with writes to
 * send). Loop thread only, except the counters read by statistics.
 */
final class NetLoop {
    /*
     * Implementation notes.
     *
     * Held receive buffers form per-connection singly linked lists through heldNext (indexed by
     * buffer id = pool index); a buffer is in at most one list and only while the kernel has handed
     * it out, so the arrays bound everything. The starved, flush and buffer-waiter lists are
     * intrusive stacks through fields of TcpConnection, guarded by a flag each so a connection is
     * in each list at most once; a connection closed while listed is skipped when popped.
     *
     * The iteration hook (once per loop iteration, before the SQEs go to the kernel) prepares one
     * SEND per connection that wrote during the iteration, and re-arms starved receives if buffers
     * went back to the ring since.
     */
    private static final AtomicInteger GROUPS = new AtomicInteger(0x4000);
    /** How often idle and deadline time-outs are checked, at most, as a fraction of the idle time-out. */
    static final int SWEEPS_PER_TIMEOUT = 4;
    /** Shortest sweep interval. */
    static final long MIN_SWEEP_NANOS = 10_000_000L;

    final EventLoop loop;
    final TcpServer server;
    final NetConfig config;
    final BufferPool recvPool;
    final BufferPool sendPool;
    final MemorySegment recvSlab;
    final MemorySegment sendSlab;
    final int sendSize;
    final int group;
    final int[] heldNext;
    final int[] heldOff;
    final int[] heldLen;
    private final BufferRing ring;

    private TcpConnection[] conns = new TcpConnection[64];
    private int connCount;
    private TcpConnection starvedHead;
    private TcpConnection flushHead;
    private TcpConnection waiterHead;
    private int recycledSinceCheck;
    private boolean buffersFreed;
    private LoopTimer sweep;
    private final long idleNanos;
    private long shortestDeadline = Long.MAX_VALUE;
    private boolean closing;
    private boolean released;
    private Runnable onReleased;
    /** SEND_ZC submitted (loop thread writes; read by tests after the loop is quiet). */
    volatile long zeroCopySends;
    /** Of those, how many sent from a registered buffer (RECVSEND_FIXED_BUF). */
    volatile long registeredSends;
    /** Registered-buffer index of the send slab and of the receive slab; -1 when not registered. */
    final int sendBufIndex;
    final int recvBufIndex;
    /** This loop's share of the ring's buffer table; null when nothing is registered. */
    private BufferRegistrar registered;
    /** Receive buffers handed out by the kernel and not yet recycled (statistics, any thread). */
    volatile int recvOutstanding;
    private int recvOut;

    /** Creates the loop's share; on the loop thread. */
    NetLoop(EventLoop loop, TcpServer server, NetConfig config, BufferPool recvPool, BufferPool sendPool) {
        this.loop = loop;
        this.server = server;
        this.config = config;
        this.recvPool = recvPool;
        this.sendPool = sendPool;
        this.recvSlab = recvPool.slab();
        this.sendSlab = sendPool.slab();
        this.sendSize = sendPool.tier().size();
        this.group = GROUPS.getAndIncrement() & 0xFFFF;
        this.heldNext = new int[recvPool.capacity()];
        this.heldOff = new int[recvPool.capacity()];
        this.heldLen = new int[recvPool.capacity()];
        this.idleNanos = config.idleTimeout().toNanos();
        this.ring = BufferRing.ofPool(loop.ring(), group, recvPool, config.receiveBuffers(), false);
        // Only SEND_ZC uses the registration, and a send is at most one buffer: with a threshold
        // above both buffer sizes (the default) no send is ever zero-copy, so nothing is pinned.
        int zc = config.zeroCopyThreshold();
        boolean zeroCopyPossible = zc > 0 && zc <= Math.max(sendSize, recvPool.tier().size());
        int[] fixed = zeroCopyPossible ? registerSlabs(loop) : null;
        this.sendBufIndex = fixed == null ? -1 : fixed[0];
        this.recvBufIndex = fixed == null ? -1 : fixed[1];
        loop.onIteration(this::beforeSubmit);
        loop.onShutdown(() -> close(null));
        loop.onTerminate(this::forceRelease);
        if (idleNanos > 0) {
            ensureSweep(0);
        }
    }

    /**
     * Registers the send and receive slabs in the ring's buffer table, so a SEND_ZC sends from a
     * registered buffer (the kernel skips pinning the pages for every send); null when the kernel
     * refuses (a slab over 1 GiB, the locked-memory limit): the sends then go unregistered.
     */
    private int[] registerSlabs(EventLoop loop) {
        BufferRegistrar tenant = loop.bufferTable().tenant();
        try {
            int[] idx = tenant.register(List.of(sendSlab, recvSlab));
            registered = tenant;
            return idx;
        } catch (RuntimeException refused) {
            tenant.close();
            return null;
        }
    }

    // ---- connections --------------------------------------------------------------------------

    /** Opens a connection for accepted socket {@code fd}. Loop thread. */
    void open(int fd) {
        if (closing) {
            SocketCalls.close(fd);
            return;
        }
        SocketCalls.setNoDelay(fd);
        TcpConnection c = new TcpConnection(this, fd, server.newHandler());
        c.open();
    }

    void add(TcpConnection c) {
        if (connCount == conns.length) {
            conns = Arrays.copyOf(conns, conns.length * 2);
        }
        c.index = connCount;
        conns[connCount++] = c;
        server.opened();
    }

    void remove(TcpConnection c) {
        int i = c.index;
        if (i < 0) {
            return;
        }
        TcpConnection last = conns[--connCount];
        conns[i] = last;
        last.index = i;
        conns[connCount] = null;
        c.index = -1;
        server.closed();
        if (closing && connCount == 0) {
            release();
        }
    }

    int connections() {
        return connCount;
    }

    // ---- receive buffers ------------------------------------------------------------------------

    void taken(int bid) {
        recvOutstanding = ++recvOut;
    }

    void recycle(int bid) {
        ring.recycle(bid);
        recvOutstanding = --recvOut;
        recycledSinceCheck++;
    }

    void holdLast(TcpConnection c, int bid, int off, int len) {
        heldNext[bid] = -1;
        heldOff[bid] = off;
        heldLen[bid] = len;
        if (c.heldTail < 0) {
            c.heldHead = bid;
        } else {
            heldNext[c.heldTail] = bid;
        }
        c.heldTail = bid;
    }

    void holdFirst(TcpConnection c, int bid, int off, int len) {
        heldOff[bid] = off;
        heldLen[bid] = len;
        heldNext[bid] = c.heldHead;
        c.heldHead = bid;
        if (c.heldTail < 0) {
            c.heldTail = bid;
        }
    }

    int popHeld(TcpConnection c) {
        int bid = c.heldHead;
        c.heldHead = heldNext[bid];
        if (c.heldHead < 0) {
            c.heldTail = -1;
        }
        return bid;
    }

    void starve(TcpConnection c) {
        if (!c.starved) {
            c.starved = true;
            c.nextStarved = starvedHead;
            starvedHead = c;
        }
    }

    // ---- send buffers ---------------------------------------------------------------------------

    void requestFlush(TcpConnection c) {
        if (!c.flushQueued) {
            c.flushQueued = true;
            c.nextFlush = flushHead;
            flushHead = c;
        }
    }

    void waitForSendBuffers(TcpConnection c) {
        if (!c.waitingForBuffers) {
            c.waitingForBuffers = true;
            c.nextBufferWaiter = waiterHead;
            waiterHead = c;
        }
    }

    void sendBuffersFreed() {
        buffersFreed = true;
    }

    private void beforeSubmit() {
        if (buffersFreed && waiterHead != null) {
            buffersFreed = false;
            TcpConnection c = waiterHead;
            waiterHead = null;
            while (c != null) {
                TcpConnection next = c.nextBufferWaiter;
                c.nextBufferWaiter = null;
                c.waitingForBuffers = false;
                c.sendBuffersAvailable();
                c = next;
            }
        }
        if (recycledSinceCheck > 0 && starvedHead != null) {
            recycledSinceCheck = 0;
            TcpConnection c = starvedHead;
            starvedHead = null;
            while (c != null) {
                TcpConnection next = c.nextStarved;
                c.nextStarved = null;
                c.starved = false;
                c.unstarve();
                c = next;
            }
        }
        TcpConnection c = flushHead;
        flushHead = null;
        while (c != null) {
            TcpConnection next = c.nextFlush;
            c.nextFlush = null;
            c.flush();
            c = next;
        }
        recycledSinceCheck = 0;
    }

    // ---- time-outs ------------------------------------------------------------------------------

    /** Makes sure time-outs are checked, often enough for a deadline {@code nanos} away (0: only the idle time-out). */
    void ensureSweep(long nanos) {
        if (closing) {
            return;
        }
        long before = sweepInterval();
        if (nanos > 0) {
            shortestDeadline = Math.min(shortestDeadline, nanos);
        }
        if (sweep == null) {
            sweep = new LoopTimer(loop, this::sweep);
            sweep.schedule(sweepInterval());
        } else if (sweepInterval() < before) {
            sweep.schedule(sweepInterval());
        }
    }

    private long sweepInterval() {
        long base = Math.min(idleNanos > 0 ? idleNanos : Long.MAX_VALUE, shortestDeadline);
        return Math.max(MIN_SWEEP_NANOS, base == Long.MAX_VALUE ? 1_000_000_000L : base / SWEEPS_PER_TIMEOUT);
    }

    private void sweep() {
        long now = System.nanoTime();
        for (int i = connCount - 1; i >= 0; i--) {
            if (i >= connCount) {
                continue;
            }
            TcpConnection c = conns[i];
            if ((idleNanos > 0 && now - c.lastActive > idleNanos) || (c.deadline != 0 && now - c.deadline > 0)) {
                c.abort(-dev.iobuf.uring.Errno.ETIMEDOUT);
            }
        }
        if (!closing) {
            sweep.schedule(sweepInterval());
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
                conns[i].abort(TcpConnection.REASON_SHUTDOWN);
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
        if (sweep != null) {
            sweep.close();
        }
        if (registered != null) {
            try {
                registered.close(); // every send has completed: no connection is left
            } catch (RuntimeException e) {
                // the slots stay filled until the ring closes; releasing the rest matters more
            }
            registered = null;
        }
        ring.close();
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
            TcpConnection c = conns[i];
            c.forceRelease();
            conns[i] = null;
            server.closed();
        }
        connCount = 0;
        if (!released) {
            released = true;
            ring.close();
            recvOutstanding = recvOut = 0;
            server.loopReleased(this);
            if (onReleased != null) {
                onReleased.run();
            }
        }
    }
}
