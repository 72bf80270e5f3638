package dev.iobuf.net.uring;

import dev.iobuf.net.BlockingConnection;
import dev.iobuf.net.BlockingHandler;
import dev.iobuf.net.Connection;
import dev.iobuf.net.ConnectionHandler;
import dev.iobuf.uring.Errno;
import dev.iobuf.uring.reactor.EventLoop;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.LockSupport;

/**
 * The io_uring transport's {@link BlockingConnection}: a {@link UringConnection} seen through
 * blocking calls, for one virtual thread per connection. Same machinery underneath: the bytes
 * arrive in the loop's provided buffers and leave from its send pool; a call hands a pre-built task
 * to the loop and parks until the loop completes it, so a read or write allocates nothing.
 */
final class UringBlockingConnection implements BlockingConnection {
    /*
     * Implementation notes.
     *
     * A call publishes its arguments in plain fields, then a volatile write of its result field to
     * PENDING, then queues its task: the queue hands everything to the loop thread (happens-before
     * through TaskQueue's release/acquire). The loop completes the call by a volatile write of the
     * result and unparks the caller, which re-reads the result in a loop (spurious wake-ups).
     * A call closed while still queued fails at once: onClose writes closed (volatile) and then
     * reads the pending results (volatile), the caller writes its result PENDING and then reads
     * closed, so either onClose sees the call and unparks its caller, or the caller sees closed
     * (before, such a caller parked again and again if the loop never ran its task). The park is
     * timed all the same, to notice a loop that ended: an untimed park measured 1.25x the CPU per
     * request of the timed one in the virtual-thread HTTP server (two A/B rounds). A caller waits
     * through interrupts, as LoopCall does in iobuf-files: the loop may be copying into or out of
     * its memory until it completes the call. It clears the interrupt status while it waits (or
     * parkNanos would return at once, again and again: a busy spin until the bytes came) and sets
     * it again before it returns.
     *
     * The loop copies into and out of the caller's segments on its own thread, so a segment that
     * thread cannot touch (confined to the caller, read-only for a read, its arena closed) is
     * refused on the caller's thread: on the loop, the copy would throw inside the handler and the
     * caller would wait for a completion that never comes.
     *
     * close() marks the connection closing at once (closeCalled): isClosed() is true when close()
     * returns, and later calls fail without waiting for the loop; a call already waiting still ends
     * when the loop closes the connection.
     *
     * Reading: while no read is waiting the adapter's onData consumes nothing, so the connection
     * holds the bytes and stops receiving; a read resumes it, which hands the held bytes to onData
     * again, now copied into the caller's array. Writing: the bytes the send queue refuses are
     * written from onWritable, when sends made room.
     */
    private static final int PENDING = Integer.MIN_VALUE;
    private static final int FAILED = Integer.MIN_VALUE + 1;
    /** How long a parked caller sleeps at most before checking that the loop still runs. */
    private static final long PARK_NANOS = 100_000_000L;

    private final Connection conn;
    private final EventLoop loop;
    /** The loop's thread, the one that copies into and out of callers' segments. */
    private final Thread loopThread;
    private final Runnable readTask = this::startRead;
    private final Runnable writeTask = this::continueWrite;
    private final Runnable closeTask = this::closeOnLoop;
    private final Runnable deadlineTask = this::deadlineOnLoop;

    // read call (published to the loop through the task queue)
    private byte[] readArr;
    private MemorySegment readSeg;
    private long readOff;
    private int readLen;
    private Thread readWaiter;
    private volatile int readResult;
    // write call
    private byte[] writeArr;
    private MemorySegment writeSeg;
    private long writeOff;
    private int writeLen;
    private int written;
    private Thread writeWaiter;
    private volatile int writeResult;
    // deadline call
    private volatile long deadlineNanos;
    // loop-side state
    private boolean reading;
    private boolean writing;
    private boolean eof;
    private volatile int closeReason;
    private volatile boolean closed;
    /** close() was called (any thread): later calls fail at once. */
    private volatile boolean closeCalled;

    /** Made on the loop thread (in the handler's onOpen). */
    UringBlockingConnection(Connection conn, EventLoop loop) {
        assert loop.inLoop();
        this.conn = conn;
        this.loop = loop;
        this.loopThread = Thread.currentThread();
    }

    /**
     * Reads at most {@code length} bytes into {@code dst}, blocking until at least one arrived.
     *
     * @return the number of bytes read, or -1 at end of stream
     * @throws IOException when the connection was reset, timed out or closed
     */
    @Override
    public int read(byte[] dst, int offset, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, dst.length);
        readArr = dst;
        readSeg = null;
        return read(offset, length);
    }

    /**
     * Like {@link #read(byte[], int, int)} into native or heap memory.
     *
     * @throws IllegalArgumentException when {@code dst} is read-only, or the loop's thread cannot
     *                                  access it (confined to another thread, or its arena closed)
     */
    @Override
    public int read(MemorySegment dst) throws IOException {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("cannot read into a read-only segment");
        }
        checkAccessible(dst);
        readArr = null;
        readSeg = dst;
        return read(0, (int) Math.min(Integer.MAX_VALUE, dst.byteSize()));
    }

    private int read(long offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        readOff = offset;
        readLen = length;
        readWaiter = Thread.currentThread();
        readResult = PENDING;
        submit(readTask);
        int r = await(false);
        if (r == FAILED) {
            throw closedException();
        }
        return r;
    }

    /**
     * Writes all {@code length} bytes, blocking while the send queue is full.
     *
     * @throws IOException when the connection was reset, timed out or closed
     */
    @Override
    public void write(byte[] src, int offset, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, src.length);
        writeArr = src;
        writeSeg = null;
        write(offset, length);
    }

    /**
     * Like {@link #write(byte[], int, int)} from native or heap memory.
     *
     * @throws IllegalArgumentException when the loop's thread cannot access {@code src} (confined
     *                                  to another thread, or its arena closed)
     */
    @Override
    public void write(MemorySegment src) throws IOException {
        checkAccessible(src);
        writeArr = null;
        writeSeg = src;
        write(0, Math.toIntExact(src.byteSize()));
    }

    private void write(long offset, int length) throws IOException {
        if (length == 0) {
            return;
        }
        writeOff = offset;
        writeLen = length;
        written = 0;
        writeWaiter = Thread.currentThread();
        writeResult = PENDING;
        submit(writeTask);
        int r = await(true);
        if (r == FAILED) {
            throw closedException();
        }
    }

    /**
     * Closes this connection with a time-out if it is still open {@code nanos} from now, whatever
     * its activity; 0 removes the deadline. A read or write blocked then, or made later, fails
     * with an {@link IOException} that says it timed out. For slow-client limits: set it when a
     * request begins, remove it when the request is complete. Hands the change to the loop and
     * returns (waiting only while the loop's task queue is full); allocates nothing. A deadline
     * that falls due before the loop has seen its removal still closes the connection.
     *
     * @throws IOException when the connection is already closed
     */
    @Override
    public void deadline(long nanos) throws IOException {
        if (nanos < 0) {
            throw new IllegalArgumentException("deadline must be 0 (none) or positive, got " + nanos);
        }
        deadlineNanos = nanos;
        submit(deadlineTask);
    }

    /**
     * Sends what is queued, then closes. Returns at once; {@link #isClosed()} is true from then
     * on, and later reads and writes fail.
     */
    @Override
    public void close() {
        closeCalled = true;
        if (!closed) {
            try {
                loop.execute(closeTask); // waits while the loop's queue is full: a dropped close would leak the connection
            } catch (java.util.concurrent.RejectedExecutionException gone) {
                // the loop has terminated: its terminate hook closed every connection
            }
        }
    }

    /** Whether the connection is closed, or {@link #close()} was called. */
    @Override
    public boolean isClosed() {
        return closed || closeCalled;
    }

    private void checkAccessible(MemorySegment segment) {
        if (!segment.scope().isAlive()) {
            throw new IllegalArgumentException("the segment's arena is closed");
        }
        if (!segment.isAccessibleBy(loopThread)) {
            throw new IllegalArgumentException("the segment is confined to another thread; the connection's loop "
                    + "copies the bytes on its own thread: use a shared, global or automatic arena");
        }
    }

    private void submit(Runnable task) throws IOException {
        if (closed || closeCalled) {
            throw closedException();
        }
        if (loop.isTerminated()) {
            throw new IOException("the connection's event loop has ended");
        }
        try {
            loop.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IOException("the connection's event loop has ended", e); // it ended since the check
        }
    }

    /** Waits for the read's (or the write's) result, through interrupts (the status is kept). */
    private int await(boolean write) throws IOException {
        boolean interrupted = false;
        try {
            for (;;) {
                int r = write ? writeResult : readResult;
                if (r != PENDING) {
                    return r;
                }
                if (closed) {
                    return FAILED; // closed while the call was queued: do not count on the loop running it
                }
                LockSupport.parkNanos(this, PARK_NANOS);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
                if (loop.isTerminated() && !closed) {
                    throw new IOException("the connection's event loop has ended");
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private IOException closedException() {
        int r = closeReason;
        return new IOException(r == 0 ? "connection is closed"
                : r == -Errno.ETIMEDOUT ? "connection timed out (idle or deadline)"
                : r == Connection.REASON_SHUTDOWN ? "connection closed: the server is shutting down"
                : "connection failed: " + Errno.describe(r));
    }

    // ---- loop side --------------------------------------------------------------------------------

    private void startRead() {
        if (closed) {
            completeRead(FAILED);
        } else if (eof) {
            completeRead(-1);
        } else {
            reading = true;
            conn.resumeReading();
        }
    }

    private void completeRead(int r) {
        reading = false;
        readResult = r;
        LockSupport.unpark(readWaiter);
    }

    private void continueWrite() {
        if (closed || !conn.isOpen()) {
            completeWrite(FAILED);
            return;
        }
        int left = writeLen - written;
        int n = writeSeg != null ? conn.write(writeSeg, writeOff + written, left)
                : conn.write(writeArr, (int) writeOff + written, left);
        if (n < 0) {
            completeWrite(FAILED);
            return;
        }
        written += n;
        if (written == writeLen) {
            completeWrite(0);
        } else {
            writing = true; // the rest goes from onWritable
        }
    }

    private void completeWrite(int r) {
        writing = false;
        writeResult = r;
        LockSupport.unpark(writeWaiter);
    }

    private void closeOnLoop() {
        conn.close();
    }

    private void deadlineOnLoop() {
        if (conn.isOpen()) {
            conn.deadline(deadlineNanos); // the latest value, if two calls came before the loop ran this
        }
    }

    int onData(MemorySegment buffer, long offset, int length) {
        if (!reading) {
            return 0;
        }
        int n = Math.min(length, readLen);
        if (readSeg != null) {
            MemorySegment.copy(buffer, offset, readSeg, readOff, n);
        } else {
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, offset, readArr, (int) readOff, n);
        }
        completeRead(n);
        return n;
    }

    void onEof() {
        eof = true;
        if (reading) {
            completeRead(-1);
        }
    }

    void onWritable() {
        if (writing) {
            continueWrite();
        }
    }

    void onClose(int reason) {
        closeReason = reason;
        closed = true;
        if (reading) {
            completeRead(FAILED);
        } else if (readResult == PENDING) {
            LockSupport.unpark(readWaiter); // a call still queued: its caller sees closed and fails
        }
        if (writing) {
            completeWrite(FAILED);
        } else if (writeResult == PENDING) {
            LockSupport.unpark(writeWaiter);
        }
    }

    /** The handler that connects a {@link Connection} to an {@link UringBlockingConnection} and its virtual thread. */
    static final class Adapter implements ConnectionHandler {
        private final BlockingHandler body;
        private UringBlockingConnection bc;

        /** With {@code body} null, no virtual thread is started: a client's caller takes {@link #connection()}. */
        Adapter(BlockingHandler body) {
            this.body = body;
        }

        /** The blocking view, once {@code onOpen} ran. */
        UringBlockingConnection connection() {
            return bc;
        }

        @Override
        public void onOpen(Connection connection) {
            // The io_uring transport's connections run tasks on their EventLoop.
            bc = new UringBlockingConnection(connection, (EventLoop) connection.executor());
            UringBlockingConnection c = bc;
            if (body == null) {
                return;
            }
            Thread.ofVirtual().name("conn-" + connection.fd()).start(() -> {
                try {
                    body.serve(c);
                } catch (IOException e) {
                    // the peer reset, a time-out, or closed: the connection is done
                } finally {
                    c.close();
                }
            });
        }

        @Override
        public int onData(Connection connection, MemorySegment buffer, long offset, int length) {
            return bc.onData(buffer, offset, length);
        }

        @Override
        public void onEof(Connection connection) {
            bc.onEof();
        }

        @Override
        public void onWritable(Connection connection) {
            bc.onWritable();
        }

        @Override
        public void onClose(Connection connection, int reason) {
            bc.onClose(reason);
        }
    }
}
