package dev.iobuf.net.uring;

import dev.iobuf.pool.BufferPool;
import dev.iobuf.uring.CqeFlags;
import dev.iobuf.uring.Errno;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The sending half of one {@link UringConnection}: a bounded queue of buffers sent in order, one
 * send in flight at a time, short sends finished: the loop's send buffers, received buffers and
 * callers' own buffers sent in place, and file regions. Loop thread only.
 */
final class SendQueue {
    /*
     * Implementation notes.
     *
     * The queue is a ring of entries (buffer, start, length): a send-pool index, or (writeReceived)
     * a receive buffer given as -1 - bid, whose bytes are sent where they were received and which
     * goes back to the kernel, not to the send pool, when sent. Writes fill the tail send-pool
     * buffer and take new ones while the queue and the pool allow (never appending to a receive
     * buffer); when the pool is dry the queue waits on the loop's buffer-waiter list. One send is
     * in flight at a time, covering the unsent part of the head entry; bytes appended to the head
     * during that send go out with the next one. Sends are prepared in the loop's iteration hook
     * (requestFlush, flushQueued), so all writes of one iteration leave in one send.
     *
     * A zero-copy send (the loop decides, by NetConfig.zeroCopyThreshold) completes twice: the
     * result with F_MORE, kept in zeroCopyResult, then the notification. It stays in flight until
     * the notification, so its buffer is never released or refilled while the kernel may still
     * read it.
     *
     * A file region (sendFile) is an entry of its own, marked FILE, with its descriptor, offset and
     * length in the file arrays; it is sent whole by one of the loop's SpliceSenders (file -> pipe
     * -> socket), which counts as the one send in flight, and has no buffer to give back.
     *
     * A caller's own buffer (Connection.write(PooledBuffer / FixedBuf)) is an entry marked OWNED,
     * its handle in owned[] and its address in ownedAddress[] (both preallocated per entry, so
     * queueing allocates nothing). It is sent in place by loop.sendOwned, which picks a fixed
     * SEND_ZC when the memory is registered on the loop's ring, and the handle is closed (its
     * buffer back to its pool) exactly once: in releaseEntry when its last send completed (a
     * zero-copy one after its notification), or in releaseAll / forceRelease when the connection
     * ends with it queued; both run only when nothing is in flight, so the kernel is done with it.
     * The slot is cleared when the handle is closed, so no entry keeps a handle alive. Writes never
     * append to it (it is not a send-pool buffer), and the bytes it holds are the caller's.
     */
    /** The buffer mark of a file-region entry. */
    private static final int FILE = Integer.MIN_VALUE;
    /** The buffer mark of an entry holding a caller's handle (receive buffers are -1 - bid, bid < 65536). */
    private static final int OWNED = Integer.MIN_VALUE + 1;
    private final UringConnection conn;
    private final ConnectionLoop loop;
    private final BufferPool pool;
    private final int bufferSize;
    /** Per entry: a send-pool index (>= 0), or -1 - bid for a receive buffer sent in place. */
    private final int[] buffer;
    /** Per entry: where its bytes start in its buffer (0 for send-pool buffers). */
    private final int[] start;
    private final int[] length;
    /** Per file-region entry: the file, where the region starts, how long it is. */
    private final int[] fileFd;
    private final long[] filePos;
    private final long[] fileLen;
    /** Per owned entry: the caller's handle (a PooledBuffer or FixedBuf), null once closed, and its address. */
    private final Object[] owned;
    private final long[] ownedAddress;
    /** The file-region send in progress: its completion, and the sender (to abort with the connection). */
    private final dev.iobuf.uring.reactor.SpliceSender.Done spliceDone = new dev.iobuf.uring.reactor.SpliceSender.Done() {
        @Override
        public void onDone(long sent, int error) {
            splice = null;
            onSpliceDone(sent, error);
        }

        @Override
        public void onProgress(long sent) {
            conn.touch(); // a long download is alive: the idle sweep must not close it
        }
    };
    private dev.iobuf.uring.reactor.SpliceSender splice;
    private final int mask;
    private final int capacity;
    private int head;
    private int count;
    private int sentOff;
    private boolean inFlight;
    private int zeroCopyResult;
    private boolean writeBlocked;
    private boolean flushQueued;
    private boolean waitingForBuffers;
    /** See closedByOthers(). */
    private int closedByOthers;

    SendQueue(UringConnection conn, ConnectionLoop loop) {
        this.conn = conn;
        this.loop = loop;
        this.pool = loop.sendPool();
        this.bufferSize = pool.tier().size();
        int q = loop.config().sendQueue();
        int depth = q <= 1 ? 1 : Integer.highestOneBit(q - 1) << 1;
        this.buffer = new int[depth];
        this.start = new int[depth];
        this.length = new int[depth];
        this.fileFd = new int[depth];
        this.filePos = new long[depth];
        this.fileLen = new long[depth];
        this.owned = new Object[depth];
        this.ownedAddress = new long[depth];
        this.mask = depth - 1;
        this.capacity = q;
    }

    boolean isEmpty() {
        return count == 0;
    }

    boolean isSending() {
        return inFlight;
    }

    /** Bytes queued and not yet acknowledged by a send completion. */
    int pendingBytes() {
        long n = -sentOff;
        for (int i = 0; i < count; i++) {
            int e = (head + i) & mask;
            n += buffer[e] == FILE ? fileLen[e] : length[e];
        }
        return (int) Math.min(n, Integer.MAX_VALUE);
    }

    /** Copies up to {@code len} bytes (from {@code seg} or else {@code arr}) into the queue; returns how many it took. */
    int write(MemorySegment seg, byte[] arr, long offset, int len) {
        int done = 0;
        while (done < len) {
            int last = (head + count - 1) & mask;
            if (count > 0 && buffer[last] >= 0) { // append to the tail send-pool buffer, never to a receive buffer
                int space = bufferSize - length[last];
                if (space > 0) {
                    int c = Math.min(space, len - done);
                    MemorySegment dst = pool.segment(buffer[last]); // built once per buffer by the pool
                    long at = length[last];
                    if (seg != null) {
                        MemorySegment.copy(seg, offset + done, dst, at, c);
                    } else {
                        MemorySegment.copy(arr, (int) offset + done, dst, ValueLayout.JAVA_BYTE, at, c);
                    }
                    length[last] += c;
                    done += c;
                    continue;
                }
            }
            if (count == capacity) {
                break;
            }
            int idx = pool.tryAcquire();
            if (idx < 0) {
                if (!waitingForBuffers) {
                    waitingForBuffers = true;
                    loop.waitForSendBuffers(this);
                }
                break;
            }
            int t = (head + count) & mask;
            buffer[t] = idx;
            start[t] = 0;
            length[t] = 0;
            count++;
        }
        if (done < len) {
            writeBlocked = true;
        }
        if (count > 0 && !inFlight) {
            requestFlush();
        }
        return done;
    }

    /** Queues {@code len} bytes at {@code from} of receive buffer {@code bid}, in place; false when the queue is full. */
    boolean offerReceived(int bid, int from, int len) {
        if (count == capacity) {
            writeBlocked = true;
            return false;
        }
        int t = (head + count) & mask;
        buffer[t] = -1 - bid;
        start[t] = from;
        length[t] = len;
        count++;
        if (!inFlight) {
            requestFlush();
        }
        return true;
    }

    /** Queues {@code len} bytes of file {@code fd} from {@code pos}, sent by splicing; false when the queue is full. */
    boolean offerFile(int fd, long pos, long len) {
        if (count == capacity) {
            writeBlocked = true;
            return false;
        }
        int t = (head + count) & mask;
        buffer[t] = FILE;
        start[t] = 0;
        length[t] = 0;
        fileFd[t] = fd;
        filePos[t] = pos;
        fileLen[t] = len;
        count++;
        if (!inFlight) {
            requestFlush();
        }
        return true;
    }

    /** Entries the queue has room for now. */
    int room() {
        return capacity - count;
    }

    /**
     * Queues the first {@code len} bytes (1 or more) of caller's handle {@code h} at {@code address},
     * to be sent in place and closed when done; false when the queue is full (the caller still
     * owns {@code h} then).
     */
    boolean offerOwned(Object h, long address, int len) {
        if (count == capacity) {
            writeBlocked = true;
            return false;
        }
        int t = (head + count) & mask;
        buffer[t] = OWNED;
        start[t] = 0;
        length[t] = len;
        owned[t] = h;
        ownedAddress[t] = address;
        count++;
        if (!inFlight) {
            requestFlush();
        }
        return true;
    }

    /** Whether handle {@code h} is queued here (a caller handing it over twice). */
    boolean holds(Object h) {
        for (int i = 0; i < count; i++) {
            if (owned[(head + i) & mask] == h) {
                return true;
            }
        }
        return false;
    }

    void requestFlush() {
        if (!flushQueued) {
            flushQueued = true;
            loop.requestFlush(this);
        }
    }

    /** Called by the loop before it submits: starts the next send. */
    void flush() {
        flushQueued = false;
        if (inFlight || count == 0 || conn.isAborting()) {
            return;
        }
        int h = head;
        if (buffer[h] == FILE) {
            inFlight = true;
            conn.started();
            dev.iobuf.uring.reactor.SpliceSender s = loop.sendFile(conn.fd(), fileFd[h], filePos[h], fileLen[h], spliceDone);
            if (inFlight) {
                splice = s; // null when it failed at once (then onSpliceDone ran already)
            }
            return;
        }
        int n = length[h] - sentOff;
        int idx = buffer[h];
        if (idx == OWNED) {
            loop.sendOwned(conn.fd(), ownedAddress[h] + sentOff, n, conn.userData(UringConnection.TAG_SEND));
        } else {
            boolean received = idx < 0;
            long addr = (received ? loop.receiveView(-1 - idx) : pool.segment(idx)).address() + start[h] + sentOff;
            loop.send(conn.fd(), addr, n, received, conn.userData(UringConnection.TAG_SEND));
        }
        inFlight = true;
        conn.started();
    }

    /** A send completion, or one of a zero-copy send's two. */
    void onSend(int res, int flags) {
        if (CqeFlags.isNotification(flags)) {
            onSendDone(zeroCopyResult);
        } else if (CqeFlags.hasMore(flags)) {
            zeroCopyResult = res;
        } else {
            onSendDone(res);
        }
    }

    private void onSendDone(int res) {
        conn.ended();
        inFlight = false;
        if (res < 0) {
            if (res == -Errno.EINTR || res == -Errno.EAGAIN) {
                requestFlush();
            } else {
                conn.sendFailed(res);
            }
            return;
        }
        conn.touch();
        sentOff += res;
        int h = head;
        if (sentOff >= length[h]) {
            releaseEntry(h);
            head = (h + 1) & mask;
            count--;
            sentOff = 0;
            loop.sendBuffersFreed();
        }
        if (count > 0) {
            requestFlush();
        }
        if (conn.isOpen()) {
            wakeWriter();
        }
    }

    /** The file region at the head was spliced: all of it, or up to the file's end, or not (an error). */
    private void onSpliceDone(long sent, int error) {
        conn.ended();
        inFlight = false;
        if (error < 0) {
            conn.sendFailed(error);
            return;
        }
        conn.touch();
        head = (head + 1) & mask;
        count--;
        sentOff = 0;
        if (count > 0) {
            requestFlush();
        }
        if (conn.isOpen()) {
            wakeWriter();
        }
    }

    /** The connection aborts: a file region being spliced stops at its next completion. */
    void abortTransfer() {
        if (splice != null) {
            splice.abort();
        }
    }

    /** The loop's send pool has buffers again. */
    void buffersAvailable() {
        waitingForBuffers = false;
        if (conn.isOpen()) {
            wakeWriter();
        }
    }

    private void wakeWriter() {
        if (writeBlocked) {
            writeBlocked = false;
            conn.deliverWritable();
        }
        conn.receive().resumeIfStalled();
    }

    /**
     * Gives back the buffer of entry {@code h}: to the send pool, a receive buffer to the kernel,
     * a caller's buffer to its own pool (its handle closed).
     */
    private void releaseEntry(int h) {
        int idx = buffer[h];
        if (idx >= 0) {
            pool.release(idx);
        } else if (idx == OWNED) {
            closeOwned(h);
        } else if (idx != FILE) {
            loop.recycle(-1 - idx);
        }
    }

    /** Closes the caller's handle of entry {@code h} and forgets it. */
    private void closeOwned(int h) {
        Object o = owned[h];
        owned[h] = null;
        if (!OwnedBuffers.close(o)) {
            closedByOthers++;
        }
    }

    /** Handles of queued entries found closed when the queue closed them: their callers broke the contract (tests). */
    int closedByOthers() {
        return closedByOthers;
    }

    /** Drops everything queued (the connection is closed and nothing is in flight). */
    void releaseAll() {
        while (count > 0) {
            releaseEntry(head);
            head = (head + 1) & mask;
            count--;
        }
        sentOff = 0;
        loop.sendBuffersFreed();
    }

    /**
     * Drops everything queued after the ring was closed: receive buffers went back with it; send
     * buffers and callers' buffers are given back here (no kernel can read them any more).
     */
    void forceRelease() {
        while (count > 0) {
            if (buffer[head] >= 0) {
                pool.release(buffer[head]);
            } else if (buffer[head] == OWNED) {
                closeOwned(head);
            }
            head = (head + 1) & mask;
            count--;
        }
        sentOff = 0;
    }
}
