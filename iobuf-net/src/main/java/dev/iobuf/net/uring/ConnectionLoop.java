package dev.iobuf.net.uring;

import dev.iobuf.net.NetConfig;
import dev.iobuf.pool.BufferPool;
import dev.iobuf.uring.reactor.CompletionHandler;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.Executor;

/**
 * What a connection asks of the loop it lives on: submissions, receive and send buffers, and the
 * loop's lists. The seam that lets the connection's state machine run without a kernel: in
 * production {@link NetLoop} over an io_uring event loop, in tests a fake that records the
 * submissions and feeds completions by hand. Loop thread only.
 */
interface ConnectionLoop {
    // ---- completions and time

    /** A slot for {@code handler}'s completions; user data is {@code EventLoop.userData(slot, tag)}. */
    int register(CompletionHandler handler);

    void unregister(int slot);

    /** The loop's clock (nanoseconds, {@link System#nanoTime()} based). */
    long now();

    /** Runs tasks on the loop thread. */
    Executor executor();

    NetConfig config();

    // ---- submissions (their completions come back as onCompletion(tag, res, flags))

    /** A multishot receive on {@code fd} into the loop's receive buffers. */
    void recvMultishot(int fd, long userData);

    /** Cancels the operation submitted with {@code target}. */
    void cancel(long target, long userData);

    /** Cancels everything in flight on {@code fd}. */
    void cancelAll(int fd, long userData);

    /**
     * Sends {@code length} bytes at {@code address}, from a send buffer or (when
     * {@code fromReceiveBuffer}) a receive buffer: a plain send, or a zero-copy one when the loop's
     * configuration says so (then two completions: the result with F_MORE, then the notification).
     */
    void send(int fd, long address, int length, boolean fromReceiveBuffer, long userData);

    /**
     * Sends {@code length} bytes at {@code address} of a caller's own buffer: like
     * {@link #send}, and when zero-copy, from a registered buffer if the memory is registered on
     * the loop's ring (by any tenant of its table), else unregistered.
     */
    void sendOwned(int fd, long address, int length, long userData);

    /**
     * Splices {@code length} bytes of {@code fileFd} from {@code position} into socket {@code fd}
     * with one of the loop's splice senders; {@code done} gets the result on the loop thread.
     * Returns the sender doing it (to {@linkplain dev.iobuf.uring.reactor.SpliceSender#abort abort}
     * it when the connection aborts), or null when it failed at once ({@code done} was told).
     */
    dev.iobuf.uring.reactor.SpliceSender sendFile(int fd, int fileFd, long position, long length, dev.iobuf.uring.reactor.SpliceSender.Done done);

    /** Ends the sending direction of {@code fd} now (a direct call); errors are ignored. */
    void shutdownOutput(int fd);

    /** Closes {@code fd} now (a direct call); errors are ignored. */
    void close(int fd);

    // ---- receive buffers: ids handed out by the kernel

    /** The view of receive buffer {@code bid} handlers see (the same segment for each id). */
    MemorySegment receiveView(int bid);

    /** The kernel filled {@code bid} (statistics). */
    void taken(int bid);

    /** Gives {@code bid} back to the kernel. */
    void recycle(int bid);

    /** Per-buffer links of the connections' held lists. */
    HeldBuffers held();

    // ---- send buffers

    BufferPool sendPool();

    // ---- the loop's lists (each entry is in a list at most once; the caller keeps the flag)

    /** Prepare {@code queue}'s next send before the loop submits (its {@code flush()} is called). */
    void requestFlush(SendQueue queue);

    /** Call {@code queue.buffersAvailable()} once send buffers were released. */
    void waitForSendBuffers(SendQueue queue);

    /** Send buffers were released (wakes the waiters before the next submit). */
    void sendBuffersFreed();

    /** Call {@code side.unstarve()} once receive buffers went back to the kernel. */
    void starve(ReceiveSide side);

    // ---- book-keeping

    void added(UringConnection c);

    void removed(UringConnection c);

    /** Check time-outs often enough for a deadline {@code nanos} away. */
    void ensureSweep(long nanos);
}
