package dev.iobuf.net;

import dev.iobuf.uring.CqeFlags;
import dev.iobuf.uring.Errno;
import dev.iobuf.uring.OpFlags;
import dev.iobuf.uring.Sqe;
import dev.iobuf.uring.reactor.CompletionHandler;
import dev.iobuf.uring.reactor.EventLoop;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One accepted TCP connection on an {@link EventLoop}. Receives through a multishot receive from
 * the loop's provided-buffer ring and hands the bytes to its {@link TcpHandler}; sends from a
 * bounded queue of pooled buffers, in order, finishing short sends. Every method must be called on
 * the connection's loop thread ({@link #loop()}); from elsewhere use {@link BlockingConnection} or
 * {@link EventLoop#execute}.
 *
 * <p>Nothing here allocates per message: receive buffers are recycled to the ring after
 * {@link TcpHandler#onData} returns, written bytes are copied into send buffers taken from the
 * loop's send pool and released when their send completed. {@link #writeReceived} sends received
 * bytes in place instead, without a copy: that receive buffer is recycled when its send completed.
 */
public final class TcpConnection implements CompletionHandler {
    /*
     * Implementation notes.
     *
     * Operations in flight are counted (inFlight): the multishot receive counts once while armed
     * (until a CQE without F_MORE), each SEND and each ASYNC_CANCEL once. The slot is unregistered,
     * the descriptor closed and the buffers released only when the count is 0, so no completion
     * can reach a recycled slot and no buffer is released while the kernel may still use it.
     *
     * Receive buffers the handler did not consume (it returned less than the length, or the
     * connection was paused) are kept in order on an intrusive list through the loop's per-buffer
     * arrays (NetLoop.heldNext/Off/Len): bounded by the ring itself, no allocation. While buffers
     * are held the multishot receive is cancelled, so one slow connection cannot drain the ring.
     * When the ring runs dry the receive ends with -ENOBUFS; the connection waits on the loop's
     * starved list and is re-armed once buffers were recycled (never in a busy loop).
     *
     * The send queue is a ring of (buffer, start, length): a send-pool index, or (writeReceived) a
     * receive buffer given as -1 - bid, whose bytes are sent where they were received and which is
     * recycled to the ring, not released to the send pool, when sent. Writes fill the tail buffer and take
     * new ones while the queue and the pool allow; one SEND is in flight at a time, covering the
     * unsent part of the head buffer; bytes appended to the head during that send go out with the
     * next one. Sends are prepared in the loop's iteration hook, so all writes of one iteration
     * leave in one SEND. A send of at least NetConfig.zeroCopyThreshold bytes is a SEND_ZC; it
     * stays "in flight" until its notification CQE, so the buffer is released only then.
     */
    /** {@link TcpHandler#onClose} reason when the server or its loop was shut down. */
    public static final int REASON_SHUTDOWN = -108; // -ESHUTDOWN

    static final int TAG_RECV = 1;
    static final int TAG_SEND = 2;
    static final int TAG_CANCEL = 3;
    private static final int MSG_NOSIGNAL = 0x4000;

    private static final int OPEN = 0;
    private static final int CLOSING = 1;
    /** Closed gracefully and FIN sent; reading and discarding until the peer's FIN (see close()). */
    private static final int LINGERING = 2;
    private static final int ABORTING = 3;
    private static final int CLOSED = 4;
    /** How long a gracefully closed connection waits at most for the peer's FIN. */
    static final long LINGER_NANOS = 2_000_000_000L;

    final NetLoop net;
    final int fd;
    private final int slot;
    private final EventLoop loop;
    private TcpHandler handler;
    private Object attachment;
    private int state;
    private int inFlight;
    private int closeReason;
    /** The FIN went out when the graceful close started to linger. */
    private boolean lingered;

    // receiving
    private boolean recvArmed;
    private boolean stalled;
    private boolean userPaused;
    private boolean eofPending;
    private boolean eof;
    int heldHead = -1;
    int heldTail = -1;
    boolean starved;
    TcpConnection nextStarved;

    // sending
    /** Per queue entry: a send-pool index (>= 0), or -1 - bid for a receive buffer sent in place. */
    private final int[] sendIdx;
    /** Per queue entry: where its bytes start in its buffer (0 for send-pool buffers). */
    private final int[] sendStart;
    private final int[] sendLen;
    private final int sendMask;
    private final int sendCapacity;
    private int sendHead;
    private int sendCount;
    private int sentOff;
    private boolean sendInFlight;
    /** The result of a SEND_ZC whose notification has not come yet. */
    private int zeroCopyResult;
    private boolean writeBlocked;
    boolean flushQueued;
    TcpConnection nextFlush;
    boolean waitingForBuffers;
    TcpConnection nextBufferWaiter;

    // the delivery in progress (writeReceived)
    private int deliveringBid = -1;
    private int deliveringOff;
    private int deliveringLen;
    private boolean deliveryRetained;

    // time-outs
    long lastActive;
    long deadline;
    int index = -1;

    TcpConnection(NetLoop net, int fd, TcpHandler handler) {
        this.net = net;
        this.loop = net.loop;
        this.fd = fd;
        this.handler = handler;
        int q = net.config.sendQueue();
        int depth = q <= 1 ? 1 : Integer.highestOneBit(q - 1) << 1;
        this.sendIdx = new int[depth];
        this.sendStart = new int[depth];
        this.sendLen = new int[depth];
        this.sendMask = depth - 1;
        this.sendCapacity = q;
        this.slot = loop.register(this);
        this.lastActive = loop.now();
    }

    void open() {
        net.add(this);
        handler.onOpen(this);
        if (state == OPEN && !userPaused && !recvArmed) {
            armRecv();
        }
    }

    // ---- public API ---------------------------------------------------------------------------

    /** The loop this connection lives on. */
    public EventLoop loop() {
        return loop;
    }

    /** The socket's file descriptor. */
    public int fd() {
        return fd;
    }

    /** Per-connection state of the handler. */
    public Object attachment() {
        return attachment;
    }

    /** Sets the per-connection state of the handler. */
    public void attach(Object value) {
        attachment = value;
    }

    /** Replaces the handler (e.g. after a protocol switch). */
    public void handler(TcpHandler h) {
        handler = h;
    }

    /** Whether the connection is open (not closing or closed). */
    public boolean isOpen() {
        return state == OPEN;
    }

    /** Whether the peer has finished sending. */
    public boolean isEof() {
        return eof;
    }

    /**
     * Copies up to {@code length} bytes at {@code offset} of {@code src} into the send queue;
     * returns how many were taken (fewer when the queue or the loop's send pool is full: wait for
     * {@link TcpHandler#onWritable}), or -1 when the connection is no longer open.
     */
    public int write(MemorySegment src, long offset, int length) {
        return write(src, null, offset, length);
    }

    /** Like {@link #write(MemorySegment, long, int)} from a byte array. */
    public int write(byte[] src, int offset, int length) {
        return write(null, src, offset, length);
    }

    /**
     * Sends {@code length} bytes at {@code offset} of the receive buffer now being delivered to
     * {@link TcpHandler#onData}, without copying them: the buffer stays out of the receive ring
     * until its send completed (so an echo or a proxy costs no copy and no send buffer). Call it
     * only from {@code onData}, at most once per delivery, with offsets inside what was delivered.
     * When it returns {@code length} the whole delivery is consumed, whatever {@code onData}
     * returns; 0 means the send queue is full (return 0 from {@code onData}: the bytes are handed
     * over again once sends complete); -1 means the connection is no longer open.
     *
     * @throws IllegalStateException outside {@code onData}, or a second time for one delivery
     */
    public int writeReceived(long offset, int length) {
        if (deliveringBid < 0 || deliveryRetained) {
            throw new IllegalStateException(deliveringBid < 0 ? "writeReceived is only valid inside onData"
                    : "writeReceived was already called for this delivery");
        }
        long start = offset - net.recvPool.offset(deliveringBid);
        if (length < 0 || start < deliveringOff || start + length > deliveringOff + (long) deliveringLen) {
            throw new IllegalArgumentException("bytes " + offset + " + " + length + " are not inside the delivered buffer");
        }
        if (state != OPEN) {
            return -1;
        }
        if (sendCount == sendCapacity) {
            writeBlocked = true;
            return 0;
        }
        int t = (sendHead + sendCount) & sendMask;
        sendIdx[t] = -1 - deliveringBid;
        sendStart[t] = (int) start;
        sendLen[t] = length;
        sendCount++;
        deliveryRetained = true;
        if (!sendInFlight) {
            net.requestFlush(this);
        }
        return length;
    }

    private int write(MemorySegment seg, byte[] arr, long offset, int length) {
        if (state != OPEN) {
            return -1;
        }
        int done = 0;
        int bufSize = net.sendSize;
        while (done < length) {
            int last = (sendHead + sendCount - 1) & sendMask;
            if (sendCount > 0 && sendIdx[last] >= 0) { // append to the tail send-pool buffer, never to a receive buffer
                int space = bufSize - sendLen[last];
                if (space > 0) {
                    int c = Math.min(space, length - done);
                    long dst = net.sendPool.offset(sendIdx[last]) + sendLen[last];
                    if (seg != null) {
                        MemorySegment.copy(seg, offset + done, net.sendSlab, dst, c);
                    } else {
                        MemorySegment.copy(arr, (int) offset + done, net.sendSlab, ValueLayout.JAVA_BYTE, dst, c);
                    }
                    sendLen[last] += c;
                    done += c;
                    continue;
                }
            }
            if (sendCount == sendCapacity) {
                break;
            }
            int idx = net.sendPool.tryAcquire();
            if (idx < 0) {
                net.waitForSendBuffers(this);
                break;
            }
            int t = (sendHead + sendCount) & sendMask;
            sendIdx[t] = idx;
            sendStart[t] = 0;
            sendLen[t] = 0;
            sendCount++;
        }
        if (done < length) {
            writeBlocked = true;
        }
        if (sendCount > 0 && !sendInFlight) {
            net.requestFlush(this);
        }
        return done;
    }

    /** Bytes queued and not yet acknowledged by a send completion. */
    public int pendingBytes() {
        int n = -sentOff;
        for (int i = 0; i < sendCount; i++) {
            n += sendLen[(sendHead + i) & sendMask];
        }
        return n;
    }

    /** Stops handing received bytes to the handler until {@link #resumeReading()}. */
    public void pauseReading() {
        if (state == OPEN && !userPaused) {
            userPaused = true;
            cancelRecv();
        }
    }

    /**
     * Hands held bytes to the handler again and restarts receiving (after {@link #pauseReading()}
     * or after the handler consumed fewer bytes than it was given).
     */
    public void resumeReading() {
        userPaused = false;
        resume();
    }

    /**
     * Closes this connection if it is still open {@code nanos} from now, whatever its activity;
     * 0 removes the deadline. Used for slow-client time-outs.
     */
    public void deadline(long nanos) {
        deadline = nanos == 0 ? 0 : (loop.now() + nanos) | 1; // never 0 once set
        if (nanos > 0) {
            net.ensureSweep(nanos);
        }
    }

    /** Whether a {@linkplain #deadline(long) deadline} is set. */
    public boolean hasDeadline() {
        return deadline != 0;
    }

    /**
     * Closes gracefully: stops delivering (unread bytes are dropped), sends what is queued, sends
     * FIN, then keeps reading and discarding until the peer's FIN (at most {@link #LINGER_NANOS})
     * before it closes the socket: closing a socket with unread bytes makes the kernel send a
     * reset, which can destroy the last response (an HTTP 413 while the body still arrives)
     * before the peer read it. {@link TcpHandler#onClose} follows with reason 0.
     */
    public void close() {
        if (state != OPEN) {
            return;
        }
        state = CLOSING;
        cancelRecv();
        dropHeld();
        maybeFinish();
    }

    /** Closes at once: cancels what is in flight, drops what is queued. */
    public void abort() {
        abort(0);
    }

    void abort(int reason) {
        if (state >= ABORTING) {
            return;
        }
        if (closeReason == 0 && state != LINGERING) { // a lingering close was graceful: its reason stays 0
            closeReason = reason;
        }
        state = ABORTING;
        dropHeld();
        if (inFlight > 0) {
            loop.sqe().cancelFd(fd, OpFlags.CANCEL_ALL).userData(EventLoop.userData(slot, TAG_CANCEL));
            inFlight++;
        }
        maybeFinish();
    }

    // ---- completions ----------------------------------------------------------------------------

    @Override
    public void onCompletion(int tag, int res, int flags) {
        switch (tag) {
            case TAG_RECV -> onRecv(res, flags);
            case TAG_SEND -> onSend(res, flags);
            default -> inFlight--;
        }
        maybeFinish();
    }

    private void armRecv() {
        loop.sqe().recvMultishot(fd, net.group, 0).userData(EventLoop.userData(slot, TAG_RECV));
        recvArmed = true;
        inFlight++;
    }

    private void cancelRecv() {
        if (recvArmed) {
            loop.sqe().cancel(EventLoop.userData(slot, TAG_RECV), 0).userData(EventLoop.userData(slot, TAG_CANCEL));
            inFlight++;
        }
    }

    private boolean wantsRecv() {
        return state == OPEN && !recvArmed && !eof && !eofPending && !stalled && !userPaused && heldHead < 0;
    }

    private void onRecv(int res, int flags) {
        if (!CqeFlags.hasMore(flags)) {
            recvArmed = false;
            inFlight--;
        }
        if (res > 0) {
            int bid = CqeFlags.bufferId(flags);
            net.taken(bid);
            lastActive = loop.now();
            if (state != OPEN) {
                net.recycle(bid);
            } else if (heldHead >= 0 || stalled || userPaused) {
                net.holdLast(this, bid, 0, res);
            } else {
                deliver(bid, 0, res);
            }
        } else if (res == 0) {
            if (state == OPEN) {
                if (heldHead >= 0) {
                    eofPending = true;
                } else {
                    onEof();
                }
            }
        } else if (res != -Errno.ENOBUFS && res != -Errno.ECANCELED && state == OPEN) {
            abort(res);
            return;
        }
        if (state == LINGERING) {
            if (res == 0 || (res < 0 && res != -Errno.ECANCELED)) {
                eof = true; // the peer's FIN, or nothing more to wait for
                cancelRecv();
            } else if (!recvArmed) {
                armRecv();
            }
            return;
        }
        if (wantsRecv()) {
            if (res == -Errno.ENOBUFS) {
                net.starve(this);
            } else {
                armRecv();
            }
        }
    }

    /** Called by the loop once buffers were recycled after this connection ran the ring dry. */
    void unstarve() {
        if (wantsRecv()) {
            armRecv();
        }
    }

    /** Hands {@code len} bytes at {@code off} of buffer {@code bid} to the handler; false when it stalled. */
    private boolean deliver(int bid, int off, int len) {
        deliveringBid = bid;
        deliveringOff = off;
        deliveringLen = len;
        deliveryRetained = false;
        int n;
        try {
            n = handler.onData(this, net.recvSlab, net.recvPool.offset(bid) + off, len);
        } finally {
            deliveringBid = -1;
        }
        if (deliveryRetained) {
            return true; // the buffer is in the send queue now; it goes back to the ring when sent
        }
        if (n >= len || state != OPEN) {
            net.recycle(bid);
            return true;
        }
        n = Math.max(n, 0);
        net.holdFirst(this, bid, off + n, len - n);
        if (!stalled) {
            stalled = true;
            cancelRecv();
        }
        return false;
    }

    private void resume() {
        if (state != OPEN) {
            return;
        }
        stalled = false;
        while (heldHead >= 0 && state == OPEN && !userPaused) {
            int bid = net.popHeld(this);
            if (!deliver(bid, net.heldOff[bid], net.heldLen[bid])) {
                return;
            }
        }
        if (state == OPEN && heldHead < 0 && eofPending) {
            eofPending = false;
            onEof();
        }
        if (wantsRecv()) {
            armRecv();
        }
    }

    private void onEof() {
        eof = true;
        handler.onEof(this);
    }

    void flush() {
        flushQueued = false;
        if (sendInFlight || sendCount == 0 || state >= ABORTING) {
            return;
        }
        int h = sendHead;
        int n = sendLen[h] - sentOff;
        int idx = sendIdx[h];
        long addr = (idx >= 0 ? net.sendPool.address(idx) : net.recvPool.address(-1 - idx)) + sendStart[h] + sentOff;
        int zc = net.config.zeroCopyThreshold();
        Sqe sqe;
        if (zc > 0 && n >= zc) {
            int fixed = idx >= 0 ? net.sendBufIndex : net.recvBufIndex;
            if (fixed >= 0) {
                sqe = loop.sqe().sendZcFixed(fd, addr, n, MSG_NOSIGNAL, 0, fixed);
                net.registeredSends++;
            } else {
                sqe = loop.sqe().sendZc(fd, addr, n, MSG_NOSIGNAL, 0);
            }
            net.zeroCopySends++;
        } else {
            sqe = loop.sqe().send(fd, addr, n, MSG_NOSIGNAL);
        }
        sqe.userData(EventLoop.userData(slot, TAG_SEND));
        sendInFlight = true;
        inFlight++;
    }

    /**
     * A SEND completion, or one of SEND_ZC's two: the result (with F_MORE) is kept until the
     * notification says the kernel no longer reads the buffer; only then does the send count as
     * done, so its buffer is never released or refilled while the kernel may still send from it.
     */
    private void onSend(int res, int flags) {
        if (CqeFlags.isNotification(flags)) {
            onSendDone(zeroCopyResult);
        } else if (CqeFlags.hasMore(flags)) {
            zeroCopyResult = res;
        } else {
            onSendDone(res);
        }
    }

    private void onSendDone(int res) {
        inFlight--;
        sendInFlight = false;
        if (res < 0) {
            if (res == -Errno.EINTR || res == -Errno.EAGAIN) {
                net.requestFlush(this);
            } else if (state < ABORTING) {
                abort(res == -Errno.ECANCELED ? closeReason : res);
            }
            return;
        }
        lastActive = loop.now();
        sentOff += res;
        int h = sendHead;
        if (sentOff >= sendLen[h]) {
            releaseSendEntry(h);
            sendHead = (h + 1) & sendMask;
            sendCount--;
            sentOff = 0;
            net.sendBuffersFreed();
        }
        if (sendCount > 0) {
            net.requestFlush(this);
        }
        if (state == OPEN) {
            if (writeBlocked) {
                writeBlocked = false;
                handler.onWritable(this);
            }
            if (stalled && !userPaused) {
                resume();
            }
        }
    }

    /** Gives back the buffer of send-queue entry {@code h}: to the send pool, or a receive buffer to the ring. */
    private void releaseSendEntry(int h) {
        int idx = sendIdx[h];
        if (idx >= 0) {
            net.sendPool.release(idx);
        } else {
            net.recycle(-1 - idx);
        }
    }

    /** The loop's send pool has buffers again. */
    void sendBuffersAvailable() {
        if (state != OPEN) {
            return;
        }
        if (writeBlocked) {
            writeBlocked = false;
            handler.onWritable(this);
        }
        if (stalled && !userPaused) {
            resume();
        }
    }

    private void dropHeld() {
        while (heldHead >= 0) {
            net.recycle(net.popHeld(this));
        }
        eofPending = false;
    }

    private void maybeFinish() {
        if (state == CLOSING && inFlight == 0 && sendCount == 0) {
            linger();
        } else if (state == LINGERING && inFlight == 0 && eof) {
            finish();
        } else if (state == CLOSING && sendCount > 0 && !sendInFlight && !flushQueued) {
            net.requestFlush(this);
        } else if (state == ABORTING && inFlight == 0) {
            finish();
        }
    }

    /** All sent: FIN now, then read until the peer's FIN (or the linger deadline) before closing. */
    private void linger() {
        if (eof) {
            finish(); // the peer is done too: nothing to wait for (finish sends the FIN)
            return;
        }
        SocketCalls.shutdownOutput(fd);
        lingered = true;
        state = LINGERING;
        deadline(LINGER_NANOS);
        armRecv();
    }

    private void finish() {
        state = CLOSED;
        dropHeld();
        while (sendCount > 0) {
            releaseSendEntry(sendHead);
            sendHead = (sendHead + 1) & sendMask;
            sendCount--;
        }
        sentOff = 0;
        net.sendBuffersFreed();
        if (closeReason == 0 && !lingered) { // a lingering close sent its FIN already
            SocketCalls.shutdownOutput(fd);
        }
        SocketCalls.close(fd);
        loop.unregister(slot);
        net.remove(this);
        handler.onClose(this, closeReason);
    }

    /** After the ring was closed (loop terminating): release everything without touching the ring. */
    void forceRelease() {
        if (state == CLOSED) {
            return;
        }
        state = CLOSED;
        heldHead = -1;
        heldTail = -1;
        while (sendCount > 0) {
            if (sendIdx[sendHead] >= 0) { // receive buffers went back with the closed ring
                net.sendPool.release(sendIdx[sendHead]);
            }
            sendHead = (sendHead + 1) & sendMask;
            sendCount--;
        }
        SocketCalls.close(fd);
        handler.onClose(this, REASON_SHUTDOWN);
    }

    @Override
    public String toString() {
        return "TcpConnection[fd=" + fd + ", " + switch (state) {
            case OPEN -> "open";
            case CLOSING -> "closing";
            case LINGERING -> "lingering";
            case ABORTING -> "aborting";
            default -> "closed";
        } + "]";
    }
}
