package dev.iobuf.net.uring;

import dev.iobuf.uring.CqeFlags;
import dev.iobuf.uring.Errno;

/**
 * The receiving half of one {@link UringConnection}: the multishot receive, delivery of received
 * bytes to the handler, the bytes it held back, and the peer's end of stream. Loop thread only.
 */
final class ReceiveSide {
    /*
     * Implementation notes.
     *
     * State (all owned here):
     *   armed       a multishot receive is in flight (counted once in the connection's in-flight
     *               count until a completion without F_MORE)
     *   stalled     the handler consumed less than it was given; the rest is held
     *   paused      the user paused reading
     *   starved     the loop's receive ring ran dry (-ENOBUFS): waiting on the loop's starved list
     *   eofPending  the peer's FIN came while bytes were held: delivered after them
     *   eof         the peer's FIN was delivered (or, lingering, seen)
     *
     * Receive buffers not consumed are kept in order on an intrusive list through HeldBuffers
     * (head and tail here). While buffers are held, or reading is paused, the multishot receive is
     * cancelled, so one slow connection cannot drain the ring; it is re-armed when the held bytes
     * were consumed (wantsRecv). When the ring runs dry the receive ends with -ENOBUFS; the side
     * waits on the loop's starved list and re-arms once buffers were recycled, never in a busy loop.
     *
     * A delivery in progress (deliveringBid >= 0, only during the handler's onData) may be
     * retained by writeReceived: the buffer then goes to the send queue instead of back to the
     * kernel, and its offsets are relative to the buffer's own view.
     */
    private final UringConnection conn;
    private final ConnectionLoop loop;
    private final HeldBuffers held;

    private boolean armed;
    private boolean stalled;
    private boolean paused;
    private boolean starved;
    private boolean eofPending;
    private boolean eof;
    private int heldHead = -1;
    private int heldTail = -1;

    private int deliveringBid = -1;
    private int deliveringOff;
    private int deliveringLen;
    private boolean retained;

    ReceiveSide(UringConnection conn, ConnectionLoop loop) {
        this.conn = conn;
        this.loop = loop;
        this.held = loop.held();
    }

    boolean isEof() {
        return eof;
    }

    private boolean wantsRecv() {
        return conn.isOpen() && !armed && !eof && !eofPending && !stalled && !paused && heldHead < 0;
    }

    /** Starts receiving if nothing stops it (after the handler's onOpen). */
    void start() {
        if (wantsRecv()) {
            arm();
        }
    }

    void arm() {
        loop.recvMultishot(conn.fd(), conn.userData(UringConnection.TAG_RECV));
        armed = true;
        conn.started();
    }

    void cancel() {
        if (armed) {
            loop.cancel(conn.userData(UringConnection.TAG_RECV), conn.userData(UringConnection.TAG_CANCEL));
            conn.started();
        }
    }

    void pause() {
        if (!paused) {
            paused = true;
            cancel();
        }
    }

    void resumeByUser() {
        paused = false;
        resume();
    }

    /** A send completed or send buffers came back: hand held bytes in again if the handler stalled. */
    void resumeIfStalled() {
        if (stalled && !paused) {
            resume();
        }
    }

    /** A receive completion. */
    void onRecv(int res, int flags) {
        if (!CqeFlags.hasMore(flags)) {
            armed = false;
            conn.ended();
        }
        boolean open = conn.isOpen();
        if (res > 0) {
            int bid = CqeFlags.bufferId(flags);
            loop.taken(bid);
            conn.touch();
            if (!open) {
                loop.recycle(bid);
            } else if (heldHead >= 0 || stalled || paused) {
                holdLast(bid, 0, res);
            } else {
                deliver(bid, 0, res);
            }
        } else if (res == 0) {
            if (open) {
                if (heldHead >= 0) {
                    eofPending = true;
                } else {
                    deliverEof();
                }
            }
        } else if (res != -Errno.ENOBUFS && res != -Errno.ECANCELED && open) {
            conn.abort(res);
            return;
        }
        if (conn.isLingering()) {
            if (res == 0 || (res < 0 && res != -Errno.ECANCELED)) {
                eof = true; // the peer's FIN, or nothing more to wait for
                cancel();
            } else if (!armed) {
                arm();
            }
            return;
        }
        if (wantsRecv()) {
            if (res == -Errno.ENOBUFS) {
                if (!starved) {
                    starved = true;
                    loop.starve(this);
                }
            } else {
                arm();
            }
        }
    }

    /** Called by the loop once buffers were recycled after this side ran the ring dry. */
    void unstarve() {
        starved = false;
        if (wantsRecv()) {
            arm();
        }
    }

    /** Hands {@code len} bytes at {@code off} of buffer {@code bid} to the handler; false when it stalled. */
    private boolean deliver(int bid, int off, int len) {
        deliveringBid = bid;
        deliveringOff = off;
        deliveringLen = len;
        retained = false;
        int n;
        try {
            n = conn.deliver(loop.receiveView(bid), off, len);
        } finally {
            deliveringBid = -1;
        }
        if (retained) {
            return true; // the buffer is in the send queue now; it goes back to the kernel when sent
        }
        if (n >= len || !conn.isOpen()) {
            loop.recycle(bid);
            return true;
        }
        n = Math.max(n, 0);
        holdFirst(bid, off + n, len - n);
        if (!stalled) {
            stalled = true;
            cancel();
        }
        return false;
    }

    /**
     * The buffer being delivered, checked for a {@code writeReceived} of {@code length} bytes at
     * {@code offset} of its view.
     */
    int deliveringBuffer(long offset, int length) {
        if (deliveringBid < 0 || retained) {
            throw new IllegalStateException(deliveringBid < 0 ? "writeReceived is only valid inside onData"
                    : "writeReceived was already called for this delivery");
        }
        if (length < 0 || offset < deliveringOff || offset + length > deliveringOff + (long) deliveringLen) {
            throw new IllegalArgumentException("bytes " + offset + " + " + length
                    + " are not inside the delivered bytes " + deliveringOff + " + " + deliveringLen);
        }
        return deliveringBid;
    }

    /** The buffer being delivered went to the send queue. */
    void retain() {
        retained = true;
    }

    private void resume() {
        if (!conn.isOpen()) {
            return;
        }
        stalled = false;
        while (heldHead >= 0 && conn.isOpen() && !paused) {
            int bid = popHeld();
            if (!deliver(bid, held.offset(bid), held.length(bid))) {
                return;
            }
        }
        if (conn.isOpen() && heldHead < 0 && eofPending) {
            eofPending = false;
            deliverEof();
        }
        if (wantsRecv()) {
            arm();
        }
    }

    private void deliverEof() {
        eof = true;
        conn.deliverEof();
    }

    private void holdLast(int bid, int off, int len) {
        held.set(bid, off, len, -1);
        if (heldTail < 0) {
            heldHead = bid;
        } else {
            held.next(heldTail, bid);
        }
        heldTail = bid;
    }

    private void holdFirst(int bid, int off, int len) {
        held.set(bid, off, len, heldHead);
        heldHead = bid;
        if (heldTail < 0) {
            heldTail = bid;
        }
    }

    private int popHeld() {
        int bid = heldHead;
        heldHead = held.next(bid);
        if (heldHead < 0) {
            heldTail = -1;
        }
        return bid;
    }

    /** Gives every held buffer back to the kernel (closing); a pending end of stream is dropped. */
    void dropHeld() {
        while (heldHead >= 0) {
            loop.recycle(popHeld());
        }
        eofPending = false;
    }

    /** Forgets the held buffers without recycling them (the ring is gone, and the buffers with it). */
    void forget() {
        heldHead = -1;
        heldTail = -1;
    }
}
