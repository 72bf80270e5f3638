package dev.iobuf.net.uring;

import dev.iobuf.internal.Libc;
import dev.iobuf.net.DatagramEndpoint;
import dev.iobuf.net.DatagramHandler;
import dev.iobuf.net.NetConfig;
import dev.iobuf.net.SocketAddressView;
import dev.iobuf.pool.BufferPool;
import dev.iobuf.pool.PoolStats;
import dev.iobuf.uring.BufferRing;
import dev.iobuf.uring.CqeFlags;
import dev.iobuf.uring.Errno;
import dev.iobuf.uring.MsgHdr;
import dev.iobuf.uring.RecvmsgOut;
import dev.iobuf.uring.reactor.CompletionHandler;
import dev.iobuf.uring.reactor.EventLoop;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A UDP socket on an io_uring event loop: a multishot RECVMSG into a provided-buffer ring fed from
 * the endpoint's receive pool, and SENDMSG (SENDMSG_ZC from {@link NetConfig#zeroCopyThreshold()})
 * from its send pool, one send buffer per datagram in flight. Loop thread only, but for the
 * methods {@link DatagramEndpoint} allows on any thread.
 */
final class UringDatagramEndpoint implements DatagramEndpoint, CompletionHandler {
    /*
     * Implementation notes.
     *
     * Receiving. One multishot RECVMSG with buffer select from the endpoint's own group. The
     * msghdr given to it only sizes the areas: msg_namelen is the size of the socket family's
     * sockaddr (16 or 28 bytes), no control, no iovec. Each CQE names a buffer holding
     * io_uring_recvmsg_out (16 bytes), the sender's sockaddr, then the payload; res is the bytes
     * written in all. MSG_TRUNC among the recv flags makes UDP report a datagram's full length in
     * payloadlen even when it was cut. The sender is read into one SocketAddressView, refilled per
     * datagram; the payload is handed over as the pool's view of that buffer; the buffer goes back
     * to the ring as soon as the handler returns (it cannot keep it). A CQE without F_MORE ends the
     * receive (-ENOBUFS when the ring ran dry: every buffer of it was delivered and recycled before
     * that CQE, in CQ order, so re-arming at once does not spin; an ICMP error on a connected
     * socket; our cancel): it is re-armed unless the endpoint is closing, paused, or the error
     * says the socket is unusable.
     *
     * Sending. The send pool has exactly sendQueue buffers, and the pool index of a send's buffer
     * is also its slot: slot i has its own msghdr, iovec (pointing at buffer i) and sockaddr in the
     * endpoint's native area, filled once but for the length and the address. So a send is: take a
     * pool index (none: refuse, remember to call onWritable), copy, set the iovec length and the
     * address, one SQE whose tag carries the slot. SENDMSG completes once; SENDMSG_ZC twice, the
     * result with F_MORE (kept in zeroCopyResult[slot]) and then the notification, and its buffer is
     * released only then.
     *
     * Closing. CLOSING cancels the receive; the endpoint finishes (slot unregistered, socket
     * closed, ring closed so its buffers go back to the pool, pools freed, onClose) when nothing it
     * submitted is in flight: no receive armed, no cancel, no send. Never while a datagram is being
     * delivered (the buffer still has to be recycled into the ring). If the loop's ring closes
     * first (the loop ends), forceRelease releases everything without touching the ring.
     */
    static final int TAG_RECV = 1;
    static final int TAG_CANCEL = 2;
    /** Send tags: this bit plus the send's slot (its send-pool index). */
    static final int TAG_SEND = 1 << 16;
    /** How long {@link #close()} and the start wait for the loop. */
    static final long WAIT_SECONDS = 10;
    /** Per send slot: the msghdr, its one iovec, the peer's sockaddr (56 + 16 + 28 bytes, rounded). */
    private static final long SLOT_BYTES = 104;
    private static final long SLOT_IOV = MsgHdr.BYTES;
    private static final long SLOT_NAME = SLOT_IOV + 16;
    /** The largest UDP payload over IPv4 and over IPv6. */
    private static final int UDP_MAX_IPV4 = 65_507;
    private static final int UDP_MAX_IPV6 = 65_527;

    enum State { OPEN, CLOSING, CLOSED }

    // ---- set before the loop sees the endpoint; read by any thread -----------------------------------
    private final EventLoop loop;
    private final int fd;
    private final boolean ipv6;
    private final InetSocketAddress local;
    private final InetSocketAddress remote;
    private final NetConfig config;
    private final BufferPool recvPool;
    private final BufferPool sendPool;
    private final int nameBytes;
    private final long payloadOffset;
    private final int maxSend;
    private final CountDownLatch released = new CountDownLatch(1);
    /** Taken by the start on the loop, or by an opener that gave up waiting for it. */
    private final AtomicBoolean claimed = new AtomicBoolean();
    /** The start has set everything up: from now on the endpoint releases what it holds. */
    private volatile boolean setUp;
    private volatile boolean open = true;
    private volatile long zeroCopySends;
    private volatile List<PoolStats> finalStats;

    // ---- loop thread ----------------------------------------------------------------------------
    private final SocketAddressView sender = new SocketAddressView();
    private final int[] zeroCopyResult;
    private final boolean[] sending;
    private DatagramHandler handler;
    private Object attachment;
    private DatagramLoop registry;
    private Arena arena;
    private BufferRing ring;
    private int group;
    private int slot = -1;
    private MemorySegment recvMsg;
    private MemorySegment[] sendSlots;
    private State state = State.OPEN;
    private int closeReason;
    private boolean armed;
    private boolean paused;
    private boolean delivering;
    private boolean refused;
    private boolean unusable;
    private int cancels;
    private int inFlight;

    private UringDatagramEndpoint(EventLoop loop, SocketCalls.Datagram socket, InetSocketAddress remote, NetConfig config,
                                  DatagramHandler handler, BufferPool recvPool, BufferPool sendPool) {
        this.loop = loop;
        this.fd = socket.fd();
        this.ipv6 = socket.ipv6();
        this.local = socket.local();
        this.remote = remote;
        this.config = config;
        this.handler = handler;
        this.recvPool = recvPool;
        this.sendPool = sendPool;
        this.nameBytes = ipv6 ? Libc.SOCKADDR_IN6_BYTES : Libc.SOCKADDR_IN_BYTES;
        this.payloadOffset = RecvmsgOut.payloadOffset(nameBytes, 0);
        this.maxSend = Math.min(config.sendTier().size(), ipv6 ? UDP_MAX_IPV6 : UDP_MAX_IPV4);
        this.zeroCopyResult = new int[sendPool.capacity()];
        this.sending = new boolean[sendPool.capacity()];
    }

    /**
     * Opens a UDP socket bound to {@code host:port}, or connected to {@code peer} when not null, and
     * starts it on {@code loop}; returns once it receives (from the loop thread itself: at once).
     */
    static UringDatagramEndpoint open(EventLoop loop, String host, int port, InetSocketAddress peer, NetConfig config,
                                      DatagramHandler handler) throws IOException {
        long minimum = RecvmsgOut.BYTES + Libc.SOCKADDR_IN6_BYTES;
        if (config.receiveTier().size() <= minimum) {
            throw new IllegalArgumentException("datagram receive buffers must be larger than " + minimum
                    + " bytes (the header and the sender's address), got " + config.receiveTier());
        }
        int recvBytes = (int) Math.min(Integer.MAX_VALUE, (long) config.receiveBuffers() * config.receiveTier().size());
        int sendBytes = (int) Math.min(Integer.MAX_VALUE, (long) config.sendQueue() * config.sendTier().size());
        SocketCalls.Datagram socket = SocketCalls.datagram(host, port, peer, recvBytes, sendBytes);
        BufferPool rp = null;
        BufferPool sp = null;
        UringDatagramEndpoint e = null;
        try {
            // the loop's thread alone takes and gives back these buffers: no caches per stripe of threads
            rp = BufferPool.builder(config.receiveTier(), config.receiveBuffers()).threadCaches(false).build();
            sp = BufferPool.builder(config.sendTier(), config.sendQueue()).threadCaches(false).build();
            e = new UringDatagramEndpoint(loop, socket, peer, config, handler, rp, sp);
            if (loop.inLoop()) {
                e.start();
            } else {
                UringDatagramEndpoint endpoint = e;
                endpoint.awaitStart(loop.submit(() -> {
                    endpoint.start();
                    return null;
                }));
            }
            return e;
        } catch (RuntimeException | Error failed) {
            if (e == null || !e.setUp) { // else the endpoint is closing itself and releases all of it
                SocketCalls.close(socket.fd());
                if (rp != null) {
                    rp.close();
                }
                if (sp != null) {
                    sp.close();
                }
            }
            throw failed;
        }
    }

    /**
     * Waits for {@link #start()} on the loop. When the loop does not get to it in time, the start is
     * called off (if it has not begun: the caller then releases everything) or waited for once more.
     */
    private void awaitStart(CompletableFuture<Void> f) {
        try {
            try {
                f.get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                if (claimed.compareAndSet(false, true)) {
                    throw new IllegalStateException("the event loop did not start the datagram endpoint within "
                            + WAIT_SECONDS + " s", e);
                }
                f.get(WAIT_SECONDS, TimeUnit.SECONDS); // it is starting right now
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("starting the datagram endpoint failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (claimed.compareAndSet(false, true)) {
                throw new IllegalStateException("interrupted while starting the datagram endpoint", e);
            }
            setUp = true; // the start runs: the loop's hooks release it, the caller must not
            throw new IllegalStateException("interrupted while the datagram endpoint started; it is left to its loop", e);
        } catch (TimeoutException e) {
            setUp = true; // stuck in the start: the loop's hooks release it, the caller must not
            throw new IllegalStateException("the event loop did not finish starting the datagram endpoint within "
                    + 2 * WAIT_SECONDS + " s", e);
        }
    }

    /** Sets up the ring, the slot and the native areas, tells the handler and starts receiving. Loop thread. */
    private void start() {
        if (!claimed.compareAndSet(false, true)) {
            return; // the opener gave up waiting and released everything
        }
        DatagramLoop reg = DatagramLoop.on(loop);
        Arena a = Arena.ofConfined();
        try {
            recvMsg = MsgHdr.allocate(a);
            MsgHdr.set(recvMsg, 0, nameBytes, 0, 0, 0, 0); // sizes the name area; the buffer is the kernel's pick
            int n = sendPool.capacity();
            MemorySegment area = a.allocate(SLOT_BYTES * n, 8);
            sendSlots = new MemorySegment[n];
            for (int i = 0; i < n; i++) {
                MemorySegment s = area.asSlice(SLOT_BYTES * i, SLOT_BYTES);
                MsgHdr.set(s, 0, 0, s.address() + SLOT_IOV, 1, 0, 0);
                s.set(ValueLayout.JAVA_LONG, SLOT_IOV, sendPool.address(i));
                sendSlots[i] = s;
            }
            group = NetLoop.nextGroup();
            ring = loop.bufferRing(group, recvPool, config.receiveBuffers(), false);
            slot = loop.register(this);
        } catch (RuntimeException | Error e) {
            if (ring != null) {
                ring.close();
            }
            a.close();
            throw e;
        }
        arena = a;
        registry = reg;
        reg.add(this);
        setUp = true;
        try {
            handler.onOpen(this);
        } catch (RuntimeException | Error e) {
            closeWith(0);
            throw e;
        }
        if (state == State.OPEN && !paused) {
            arm();
        }
    }

    // ---- DatagramEndpoint: any thread -----------------------------------------------------------

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public boolean isConnected() {
        return remote != null;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public long zeroCopySends() {
        return zeroCopySends;
    }

    @Override
    public List<PoolStats> poolStats() {
        List<PoolStats> f = finalStats;
        return f != null ? f : List.of(recvPool.stats(), sendPool.stats());
    }

    @Override
    public void close() {
        if (loop.inLoop()) {
            closeWith(0);
            return;
        }
        if (released.getCount() == 0) {
            return;
        }
        try {
            loop.execute(() -> closeWith(0)); // waits while the queue is full: a dropped close would leak the socket
        } catch (RejectedExecutionException gone) {
            // the loop has ended: its terminate hook released the endpoint
        }
        try {
            if (!released.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the datagram endpoint on " + local + " was not released within "
                        + WAIT_SECONDS + " s; its pools are left allocated");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- DatagramEndpoint: loop thread ----------------------------------------------------------

    @Override
    public Executor executor() {
        return loop;
    }

    @Override
    public int fd() {
        return fd;
    }

    @Override
    public Object attachment() {
        return attachment;
    }

    @Override
    public void attach(Object value) {
        attachment = value;
    }

    @Override
    public int maxSendLength() {
        return maxSend;
    }

    @Override
    public int maxReceiveLength() {
        return (int) (config.receiveTier().size() - payloadOffset);
    }

    @Override
    public boolean send(MemorySegment src, long offset, int length, SocketAddressView to) {
        return send(src, null, offset, length, checkAddress(to));
    }

    @Override
    public boolean send(byte[] src, int offset, int length, SocketAddressView to) {
        return send(null, src, offset, length, checkAddress(to));
    }

    @Override
    public boolean send(MemorySegment src, long offset, int length) {
        return send(src, null, offset, length, connectedPeer());
    }

    @Override
    public boolean send(byte[] src, int offset, int length) {
        return send(null, src, offset, length, connectedPeer());
    }

    private SocketAddressView checkAddress(SocketAddressView to) {
        if (to == null || !to.isSet()) {
            throw new IllegalArgumentException("a datagram needs an address to go to; got " + (to == null ? "null" : "an empty view"));
        }
        return to;
    }

    private SocketAddressView connectedPeer() {
        if (remote == null) {
            throw new IllegalStateException("the endpoint on " + local + " is not connected: give the address to send to");
        }
        return null; // the kernel sends to the connected peer
    }

    /** One datagram from {@code seg} (or else {@code arr}) to {@code to} (null: the connected peer). */
    private boolean send(MemorySegment seg, byte[] arr, long offset, int length, SocketAddressView to) {
        if (!loop.inLoop()) {
            throw new IllegalStateException("send must run on the endpoint's loop thread " + loop.name()
                    + ", not on " + Thread.currentThread().getName() + "; hand it over with executor()");
        }
        if (length < 0 || length > maxSend) {
            throw new IllegalArgumentException("a datagram of this endpoint is 0.." + maxSend + " bytes, got " + length);
        }
        if (state != State.OPEN) {
            return false;
        }
        int i = sendPool.tryAcquire();
        if (i < 0) {
            refused = true;
            return false;
        }
        MemorySegment msg = sendSlots[i];
        try {
            if (to != null) {
                int nameLength = SockAddr.write(msg, SLOT_NAME, to, ipv6);
                if (nameLength < 0) {
                    throw new IllegalArgumentException("an IPv4 socket cannot send to IPv6 address " + to);
                }
                MsgHdr.name(msg, msg.address() + SLOT_NAME, nameLength);
            } else {
                MsgHdr.name(msg, 0, 0);
            }
            MemorySegment buf = sendPool.segment(i); // built once per buffer by the pool
            if (seg != null) {
                MemorySegment.copy(seg, offset, buf, 0, length);
            } else {
                MemorySegment.copy(arr, (int) offset, buf, ValueLayout.JAVA_BYTE, 0, length);
            }
            msg.set(ValueLayout.JAVA_LONG, SLOT_IOV + 8, length);
            int zc = config.zeroCopyThreshold();
            long userData = EventLoop.userData(slot, TAG_SEND | i);
            if (zc > 0 && length >= zc) {
                loop.sqe().sendmsgZc(fd, msg.address(), 0).userData(userData);
                zeroCopySends++;
            } else {
                loop.sqe().sendmsg(fd, msg.address(), 0).userData(userData);
            }
        } catch (RuntimeException | Error e) {
            sendPool.release(i);
            throw e;
        }
        sending[i] = true;
        inFlight++;
        return true;
    }

    @Override
    public int sendsInFlight() {
        return inFlight;
    }

    @Override
    public void pauseReading() {
        if (!paused) {
            paused = true;
            cancelReceive();
        }
    }

    @Override
    public void resumeReading() {
        if (paused) {
            paused = false;
            if (state == State.OPEN && !armed && !unusable) {
                arm();
            }
        }
    }

    // ---- receiving ------------------------------------------------------------------------------

    private void arm() {
        loop.sqe().recvmsgMultishot(fd, recvMsg.address(), group, Libc.MSG_TRUNC)
                .userData(EventLoop.userData(slot, TAG_RECV));
        armed = true;
    }

    private void cancelReceive() {
        if (armed && state != State.CLOSED) {
            loop.sqe().cancel(EventLoop.userData(slot, TAG_RECV), 0).userData(EventLoop.userData(slot, TAG_CANCEL));
            cancels++;
        }
    }

    @Override
    public void onCompletion(int tag, int res, int flags) {
        try {
            if (tag == TAG_RECV) {
                onReceive(res, flags);
            } else if (tag == TAG_CANCEL) {
                cancels--;
            } else {
                onSend(tag & (TAG_SEND - 1), res, flags);
            }
        } finally {
            maybeFinish();
        }
    }

    private void onReceive(int res, int flags) {
        if (!CqeFlags.hasMore(flags)) {
            armed = false;
        }
        try {
            if (CqeFlags.hasBuffer(flags)) {
                int bid = CqeFlags.bufferId(flags);
                try {
                    if (state == State.OPEN && res >= payloadOffset) {
                        deliver(bid, res);
                    }
                } finally {
                    ring.recycle(bid);
                }
            } else if (res < 0 && res != -Errno.ENOBUFS && res != -Errno.ECANCELED && state == State.OPEN) {
                if (isUnusable(res)) {
                    unusable = true;
                    closeWith(res);
                } else {
                    handler.onError(this, res);
                }
            }
        } finally {
            if (!armed && state == State.OPEN && !paused && !unusable) {
                arm();
            }
        }
    }

    /** Errors after which receiving again would fail the same way. */
    private static boolean isUnusable(int res) {
        return res == -Errno.EBADF || res == -Errno.ENOTSOCK || res == -Errno.EINVAL || res == -Errno.EFAULT
                || res == -Errno.EOPNOTSUPP || res == -Errno.EBADFD;
    }

    private void deliver(int bid, int res) {
        MemorySegment buf = recvPool.segment(bid); // built once per buffer by the pool
        int length = (int) (res - payloadOffset);
        int full = Math.max(length, RecvmsgOut.payloadLength(buf));
        SockAddr.read(buf, RecvmsgOut.BYTES, Math.min(RecvmsgOut.nameLength(buf), nameBytes), sender);
        delivering = true;
        try {
            handler.onDatagram(this, buf, payloadOffset, length, sender, full);
        } finally {
            delivering = false;
        }
    }

    // ---- sending --------------------------------------------------------------------------------

    private void onSend(int i, int res, int flags) {
        if (CqeFlags.isNotification(flags)) {
            sendDone(i, zeroCopyResult[i]);
        } else if (CqeFlags.hasMore(flags)) {
            zeroCopyResult[i] = res; // the notification follows; the buffer stays the kernel's until then
        } else {
            sendDone(i, res);
        }
    }

    private void sendDone(int i, int res) {
        sending[i] = false;
        inFlight--;
        sendPool.release(i);
        if (state != State.OPEN) {
            return;
        }
        if (res < 0) {
            handler.onError(this, res);
        }
        if (refused && state == State.OPEN) {
            refused = false;
            handler.onWritable(this);
        }
    }

    // ---- closing --------------------------------------------------------------------------------

    /** Starts closing with {@code reason} for the handler's onClose. Loop thread; idempotent. */
    void closeWith(int reason) {
        if (state != State.OPEN) {
            return;
        }
        state = State.CLOSING;
        open = false;
        closeReason = reason;
        cancelReceive();
        maybeFinish();
    }

    private void maybeFinish() {
        if (state == State.CLOSING && !delivering && !armed && cancels == 0 && inFlight == 0) {
            finish();
        }
    }

    private void finish() {
        state = State.CLOSED;
        loop.unregister(slot);
        SocketCalls.close(fd);
        releaseRest(closeRing());
        try {
            handler.onClose(this, closeReason);
        } finally {
            released.countDown();
        }
    }

    /** Closes the buffer ring (its buffers go back to the receive pool); false when the kernel kept it. */
    private boolean closeRing() {
        try {
            ring.close();
            return true;
        } catch (RuntimeException kept) {
            return false; // the kernel may still use the buffers: the receive pool stays mapped
        }
    }

    /** The native areas and the pools, after everything in flight is over. */
    private void releaseRest(boolean freeReceivePool) {
        registry.remove(this);
        arena.close();
        finalStats = List.of(recvPool.stats(), sendPool.stats());
        if (freeReceivePool) {
            recvPool.close();
        }
        sendPool.close();
    }

    /** The loop's ring is closed (the loop is ending): release everything without it. */
    void forceRelease() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        open = false;
        armed = false;
        SocketCalls.close(fd);
        for (int i = 0; i < sending.length; i++) {
            if (sending[i]) {
                sending[i] = false;
                sendPool.release(i);
            }
        }
        inFlight = 0;
        releaseRest(closeRing());
        try {
            handler.onClose(this, REASON_SHUTDOWN);
        } finally {
            released.countDown();
        }
    }

    State state() {
        return state;
    }

    @Override
    public String toString() {
        return "DatagramEndpoint[" + local + (remote != null ? " -> " + remote : "") + ", "
                + state.name().toLowerCase(java.util.Locale.ROOT) + "]";
    }
}
