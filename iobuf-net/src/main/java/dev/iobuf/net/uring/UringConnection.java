package dev.iobuf.net.uring;

import dev.iobuf.alloc.FixedBuf;
import dev.iobuf.net.Connection;
import dev.iobuf.net.ConnectionHandler;
import dev.iobuf.pool.PooledBuffer;
import dev.iobuf.uring.Errno;
import dev.iobuf.uring.reactor.CompletionHandler;
import dev.iobuf.uring.reactor.EventLoop;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * One accepted connection on an io_uring event loop: its life cycle, with the receiving half in
 * {@link ReceiveSide} and the sending half in {@link SendQueue}. Receives through a multishot
 * receive from the loop's provided-buffer ring and hands the bytes to its handler; sends from a
 * bounded queue of pooled buffers, in order. Loop thread only.
 */
final class UringConnection implements Connection, CompletionHandler {
    /*
     * Implementation notes.
     *
     * The life cycle is an explicit state machine (State). Transitions:
     *
     *   OPEN      --close()-------------------------------------> CLOSING   receive cancelled, held bytes dropped
     *   CLOSING   --queue sent, nothing in flight, peer not done-> LINGERING FIN sent, receive re-armed, 2 s deadline
     *   CLOSING   --queue sent, nothing in flight, peer done----> CLOSED    (finish: FIN, close)
     *   LINGERING --peer's FIN or an error, nothing in flight---> CLOSED
     *   OPEN, CLOSING, LINGERING --abort, error, time-out-------> ABORTING  everything in flight cancelled
     *   ABORTING  --nothing in flight---------------------------> CLOSED
     *   any       --the loop's ring closed (terminating)--------> CLOSED    (forceRelease, no ring calls)
     *
     * Every completion ends in maybeFinish(), the one place the waiting transitions are taken.
     *
     * Operations in flight are counted (inFlight): the multishot receive once while armed (until
     * a completion without F_MORE), each send once (a zero-copy send until its notification), each
     * cancel once. The slot is unregistered, the descriptor closed and the buffers released only
     * when the count is 0, so no completion can reach a recycled slot and no buffer is released
     * while the kernel may still use it.
     *
     * A graceful close lingers: closing a socket with unread bytes makes the kernel send a reset,
     * which can destroy the last response before the peer read it. The close reason of a
     * lingering close stays 0 even if the linger ends in an error or its deadline.
     */
    static final int TAG_RECV = 1;
    static final int TAG_SEND = 2;
    static final int TAG_CANCEL = 3;
    /** How long a gracefully closed connection waits at most for the peer's FIN. */
    static final long LINGER_NANOS = 2_000_000_000L;

    enum State { OPEN, CLOSING, LINGERING, ABORTING, CLOSED }

    private final ConnectionLoop loop;
    private final int fd;
    private final int slot;
    private final ReceiveSide receive;
    private final SendQueue send;
    private ConnectionHandler handler;
    private Object attachment;
    private State state = State.OPEN;
    private int inFlight;
    private int closeReason;
    /** The FIN went out when the graceful close started to linger. */
    private boolean lingered;
    private long lastActive;
    private long deadline;
    /** Where the loop keeps this connection in its table (the loop's book-keeping). */
    private int tableIndex = -1;

    /** The addresses, looked up on first request (any thread: a benign race makes two equal objects). */
    private volatile java.net.SocketAddress local;
    private volatile java.net.SocketAddress remote;

    UringConnection(ConnectionLoop loop, int fd, ConnectionHandler handler) {
        this.loop = loop;
        this.fd = fd;
        this.handler = handler;
        this.slot = loop.register(this);
        this.receive = new ReceiveSide(this, loop);
        this.send = new SendQueue(this, loop);
        this.lastActive = loop.now();
    }

    /** Adds the connection to its loop, tells the handler, and starts receiving. */
    void open() {
        loop.added(this);
        handler.onOpen(this);
        receive.start();
    }

    // ---- Connection -----------------------------------------------------------------------------

    @Override
    public Executor executor() {
        return loop.executor();
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
    public void handler(ConnectionHandler h) {
        handler = h;
    }

    @Override
    public boolean isOpen() {
        return state == State.OPEN;
    }

    @Override
    public boolean isEof() {
        return receive.isEof();
    }

    @Override
    public int write(MemorySegment src, long offset, int length) {
        return state == State.OPEN ? send.write(src, null, offset, length) : -1;
    }

    @Override
    public int write(byte[] src, int offset, int length) {
        return state == State.OPEN ? send.write(null, src, offset, length) : -1;
    }

    @Override
    public java.net.SocketAddress localAddress() {
        java.net.SocketAddress a = local;
        if (a == null) {
            local = a = SocketCalls.localAddress(fd);
        }
        return a;
    }

    @Override
    public java.net.SocketAddress remoteAddress() {
        java.net.SocketAddress a = remote;
        if (a == null) {
            remote = a = SocketCalls.remoteAddress(fd);
        }
        return a;
    }

    @Override
    public <T> void setOption(java.net.SocketOption<T> option, T value) throws java.io.IOException {
        if (state.compareTo(State.ABORTING) >= 0) {
            throw new java.io.IOException("the connection is closed");
        }
        SocketCalls.setOption(fd, option, value);
    }

    @Override
    public <T> T getOption(java.net.SocketOption<T> option) throws java.io.IOException {
        if (state.compareTo(State.ABORTING) >= 0) {
            throw new java.io.IOException("the connection is closed");
        }
        return SocketCalls.getOption(fd, option);
    }

    @Override
    public int write(PooledBuffer buffer, int length) {
        return writeOwned(Objects.requireNonNull(buffer, "buffer"), length);
    }

    @Override
    public int write(FixedBuf buffer, int length) {
        return writeOwned(Objects.requireNonNull(buffer, "buffer"), length);
    }

    @Override
    public long write(PooledBuffer[] buffers, int[] lengths, int offset, int count) {
        return writeOwned(buffers, lengths, offset, count);
    }

    @Override
    public long write(FixedBuf[] buffers, int[] lengths, int offset, int count) {
        return writeOwned(buffers, lengths, offset, count);
    }

    /** One caller's handle {@code h} (a PooledBuffer or FixedBuf): queued in place, or closed. */
    private int writeOwned(Object h, int length) {
        if (send.holds(h)) {
            throw new IllegalArgumentException(h + " is queued on this connection already");
        }
        try {
            OwnedBuffers.check(h, length);
        } catch (IllegalArgumentException e) {
            OwnedBuffers.close(h);
            throw e;
        }
        if (state != State.OPEN) {
            OwnedBuffers.close(h);
            return -1;
        }
        if (length == 0) {
            OwnedBuffers.close(h);
            return 0;
        }
        if (!send.offerOwned(h, OwnedBuffers.address(h), length)) {
            OwnedBuffers.close(h);
            return 0;
        }
        return length;
    }

    /** The gathering write: every handle is checked first, then a prefix queued and the rest closed. */
    private long writeOwned(Object[] hs, int[] lengths, int offset, int count) {
        Objects.checkFromIndexSize(offset, count, hs.length);
        Objects.checkFromIndexSize(offset, count, lengths.length);
        int end = offset + count;
        for (int i = offset; i < end; i++) {
            Object h = hs[i];
            RuntimeException bad = null;
            if (h == null) {
                bad = new NullPointerException("buffers[" + i + "] is null");
            } else if (send.holds(h)) {
                bad = new IllegalArgumentException(h + " (buffers[" + i + "]) is queued on this connection already");
            } else {
                for (int j = offset; j < i && bad == null; j++) {
                    if (hs[j] == h) {
                        bad = new IllegalArgumentException(h + " is given twice: buffers[" + j + "] and [" + i + "]");
                    }
                }
                if (bad == null) {
                    try {
                        OwnedBuffers.check(h, lengths[i]);
                    } catch (RuntimeException e) {
                        bad = e;
                    }
                }
            }
            if (bad != null) {
                closeUnqueued(hs, offset, end);
                throw bad;
            }
        }
        if (state != State.OPEN) {
            closeUnqueued(hs, offset, end);
            return -1;
        }
        long queued = 0;
        int i = offset;
        for (; i < end; i++) {
            Object h = hs[i];
            int n = lengths[i];
            if (n == 0) {
                OwnedBuffers.close(h);
            } else if (send.offerOwned(h, OwnedBuffers.address(h), n)) {
                queued += n;
            } else {
                break; // the queue is full: the rest is closed unsent
            }
        }
        for (; i < end; i++) {
            OwnedBuffers.close(hs[i]);
        }
        return queued;
    }

    /** Closes the open handles of {@code hs[from, to)} that are not queued here (a refused gathering write). */
    private void closeUnqueued(Object[] hs, int from, int to) {
        for (int i = from; i < to; i++) {
            Object h = hs[i];
            if (h != null && !send.holds(h)) {
                OwnedBuffers.closeIfOpen(h);
            }
        }
    }

    @Override
    public long sendFile(int fileFd, long position, long length) {
        if (position < 0 || length < 0) {
            throw new IllegalArgumentException("position and length must not be negative: " + position + ", " + length);
        }
        if (state != State.OPEN) {
            return -1;
        }
        return length == 0 || send.offerFile(fileFd, position, length) ? length : 0;
    }

    @Override
    public int writeReceived(long offset, int length) {
        int bid = receive.deliveringBuffer(offset, length);
        if (state != State.OPEN) {
            return -1;
        }
        if (!send.offerReceived(bid, (int) offset, length)) {
            return 0;
        }
        receive.retain();
        return length;
    }

    @Override
    public int pendingBytes() {
        return send.pendingBytes();
    }

    @Override
    public void pauseReading() {
        if (state == State.OPEN) {
            receive.pause();
        }
    }

    @Override
    public void resumeReading() {
        receive.resumeByUser();
    }

    @Override
    public void deadline(long nanos) {
        deadline = nanos == 0 ? 0 : (loop.now() + nanos) | 1; // never 0 once set
        if (nanos > 0) {
            loop.ensureSweep(nanos);
        }
    }

    @Override
    public boolean hasDeadline() {
        return deadline != 0;
    }

    @Override
    public void close() {
        if (state != State.OPEN) {
            return;
        }
        state = State.CLOSING;
        receive.cancel();
        receive.dropHeld();
        maybeFinish();
    }

    @Override
    public void abort() {
        abort(0);
    }

    /** Closes at once with {@code reason} (0 or {@code -errno}) for the handler's onClose. */
    void abort(int reason) {
        if (state.compareTo(State.ABORTING) >= 0) {
            return;
        }
        if (closeReason == 0 && state != State.LINGERING) { // a lingering close was graceful: its reason stays 0
            closeReason = reason;
        }
        state = State.ABORTING;
        receive.dropHeld();
        send.abortTransfer();
        if (inFlight > 0) {
            loop.cancelAll(fd, userData(TAG_CANCEL));
            inFlight++;
        }
        maybeFinish();
    }

    // ---- completions ----------------------------------------------------------------------------

    @Override
    public void onCompletion(int tag, int res, int flags) {
        switch (tag) {
            case TAG_RECV -> receive.onRecv(res, flags);
            case TAG_SEND -> send.onSend(res, flags);
            default -> inFlight--; // a cancel's own completion
        }
        maybeFinish();
    }

    private void maybeFinish() {
        switch (state) {
            case CLOSING -> {
                if (inFlight == 0 && send.isEmpty()) {
                    linger();
                } else if (!send.isEmpty() && !send.isSending()) {
                    send.requestFlush();
                }
            }
            case LINGERING -> {
                if (inFlight == 0 && receive.isEof()) {
                    finish();
                }
            }
            case ABORTING -> {
                if (inFlight == 0) {
                    finish();
                }
            }
            default -> {
            }
        }
    }

    /** All sent: FIN now, then read until the peer's FIN (or the linger deadline) before closing. */
    private void linger() {
        if (receive.isEof()) {
            finish(); // the peer is done too: nothing to wait for (finish sends the FIN)
            return;
        }
        loop.shutdownOutput(fd);
        lingered = true;
        state = State.LINGERING;
        deadline(LINGER_NANOS);
        receive.arm();
    }

    private void finish() {
        state = State.CLOSED;
        receive.dropHeld();
        send.releaseAll();
        if (closeReason == 0 && !lingered) { // a lingering close sent its FIN already
            loop.shutdownOutput(fd);
        }
        loop.close(fd);
        loop.unregister(slot);
        loop.removed(this);
        handler.onClose(this, closeReason);
    }

    /** After the ring was closed (loop terminating): release everything without touching the ring. */
    void forceRelease() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        receive.forget();
        send.forceRelease();
        loop.close(fd);
        handler.onClose(this, REASON_SHUTDOWN);
    }

    // ---- for the two halves and the loop --------------------------------------------------------

    State state() {
        return state;
    }

    boolean isLingering() {
        return state == State.LINGERING;
    }

    /** Aborting or closed: nothing more is sent. */
    boolean isAborting() {
        return state.compareTo(State.ABORTING) >= 0;
    }

    ReceiveSide receive() {
        return receive;
    }

    SendQueue sendQueue() {
        return send;
    }

    long userData(int tag) {
        return EventLoop.userData(slot, tag);
    }

    /** An operation was submitted. */
    void started() {
        inFlight++;
    }

    /** An operation's last completion came. */
    void ended() {
        inFlight--;
    }

    /** Bytes moved: the idle time-out starts again. */
    void touch() {
        lastActive = loop.now();
    }

    /** A send failed with {@code res}: the connection is done. */
    void sendFailed(int res) {
        if (state.compareTo(State.ABORTING) < 0) {
            abort(res == -Errno.ECANCELED ? closeReason : res);
        }
    }

    int deliver(MemorySegment buffer, int offset, int length) {
        return handler.onData(this, buffer, offset, length);
    }

    void deliverEof() {
        handler.onEof(this);
    }

    void deliverWritable() {
        handler.onWritable(this);
    }

    /** Whether the idle time-out ({@code idleNanos}, 0: none) or the deadline has passed at {@code now}. */
    boolean timedOut(long now, long idleNanos) {
        return (idleNanos > 0 && now - lastActive > idleNanos) || (deadline != 0 && now - deadline > 0);
    }

    int tableIndex() {
        return tableIndex;
    }

    void tableIndex(int i) {
        tableIndex = i;
    }

    @Override
    public String toString() {
        return "Connection[fd=" + fd + ", " + state.name().toLowerCase(java.util.Locale.ROOT) + "]";
    }
}
