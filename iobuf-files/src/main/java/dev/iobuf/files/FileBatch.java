package dev.iobuf.files;

import dev.iobuf.uring.reactor.EventLoop;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;

/**
 * Many reads and writes from one thread at once: queue them, then {@link #submitAndAwait()} hands
 * all of them to the loop in one task, the loop submits them together (one {@code io_uring_enter}),
 * and the caller wakes once, when the last completed. One thread so reaches the queue depth of
 * {@code size()} without a thread per operation.
 *
 * <pre>{@code
 * FileBatch batch = new FileBatch(loop, 32);
 * for (int i = 0; i < 32; i++) {
 *     batch.read(file, buffers[i], offsets[i]);
 * }
 * batch.submitAndAwait();
 * int n = batch.result(0);                // bytes read, 0 at end of file, or -errno
 * batch.clear();                          // and again: a batch is reused without allocating
 * }</pre>
 *
 * <p>Results are the kernel's, per operation: bytes moved (reads may be short; 0 at end of file) or
 * {@code -errno}. Operations of one batch run concurrently, in no promised order. A batch belongs
 * to one thread at a time; every file in it must be on the batch's loop.
 */
public final class FileBatch implements FileCompletion, Runnable {
    /*
     * Implementation notes.
     *
     * The caller fills the arrays, then EventLoop.execute publishes them (task queue release/
     * acquire); run() on the loop queues each operation with this batch as completion and the
     * entry's index as token. Completions write results[i] (plain) and decrement remaining
     * (loop thread only, plain); the last one writes the volatile done, which publishes every
     * result to the caller reading done. An operation refused when queued (misaligned O_DIRECT
     * memory, a closed file) is recorded as a failure and counted as completed, and the rest still
     * run: the caller gets the first refusal thrown after all have completed.
     */
    private static final int READ = 0;
    private static final int WRITE = 1;

    private final EventLoop loop;
    private final AsyncFile[] files;
    private final MemorySegment[] buffers;
    private final long[] positions;
    private final int[] kinds;
    private final int[] results;
    private int count;
    private int remaining;
    private RuntimeException refused;
    private Thread waiter;
    private volatile boolean done;
    private final java.util.function.BooleanSupplier isDone = () -> done;

    /** A batch of up to {@code capacity} operations on files of {@code loop}. */
    public FileBatch(EventLoop loop, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a batch holds at least one operation, got capacity " + capacity);
        }
        this.loop = Objects.requireNonNull(loop, "loop");
        files = new AsyncFile[capacity];
        buffers = new MemorySegment[capacity];
        positions = new long[capacity];
        kinds = new int[capacity];
        results = new int[capacity];
    }

    /** Queues a read of {@code buffer} at {@code position}; returns its index for {@link #result}. */
    public int read(BlockingFile file, MemorySegment buffer, long position) {
        return add(READ, file, buffer, position);
    }

    /** Queues a write of {@code buffer} at {@code position}; returns its index for {@link #result}. */
    public int write(BlockingFile file, MemorySegment buffer, long position) {
        return add(WRITE, file, buffer, position);
    }

    private int add(int kind, BlockingFile file, MemorySegment buffer, long position) {
        if (count == files.length) {
            throw new IllegalStateException("the batch is full (" + files.length + " operations); submit or clear it");
        }
        AsyncFile f = file.async();
        if (f.loop() != loop) {
            throw new IllegalArgumentException(file.path() + " is on loop " + f.loop().name() + ", the batch on " + loop.name());
        }
        files[count] = f;
        buffers[count] = Objects.requireNonNull(buffer, "buffer");
        positions[count] = position;
        kinds[count] = kind;
        return count++;
    }

    /** The operations queued. */
    public int size() {
        return count;
    }

    /** The most operations the batch holds. */
    public int capacity() {
        return files.length;
    }

    /**
     * Submits every queued operation and waits until all have completed (even when interrupted:
     * the kernel uses the buffers until then; the interrupt status is kept).
     *
     * @throws IllegalArgumentException the first refusal of an operation when it was queued (e.g.
     *                                  misaligned O_DIRECT memory), after all others completed
     * @throws IOException              when the loop has ended
     */
    public void submitAndAwait() throws IOException {
        if (count == 0) {
            return;
        }
        if (loop.inLoop()) {
            throw new IllegalStateException("a batch waits for the loop: submit it from another thread");
        }
        done = false;
        refused = null;
        remaining = count;
        waiter = Thread.currentThread();
        try {
            loop.execute(this);
        } catch (RejectedExecutionException e) {
            throw new IOException("event loop " + loop.name() + " has ended", e);
        }
        LoopCall.await(loop, this, isDone);
        if (refused != null) {
            throw refused;
        }
    }

    /** The result of operation {@code i} of the last submit: bytes moved, or {@code -errno}. */
    public int result(int i) {
        return results[Objects.checkIndex(i, count)];
    }

    /** Empties the batch for reuse. */
    public void clear() {
        java.util.Arrays.fill(files, 0, count, null);
        java.util.Arrays.fill(buffers, 0, count, null);
        count = 0;
    }

    /** Loop thread: queues every operation. */
    @Override
    public void run() {
        int n = count;
        for (int i = 0; i < n; i++) {
            try {
                if (kinds[i] == READ) {
                    files[i].read(buffers[i], positions[i], this, i);
                } else {
                    files[i].write(buffers[i], positions[i], this, i);
                }
            } catch (RuntimeException e) {
                if (refused == null) {
                    refused = e;
                }
                onComplete(i, -dev.iobuf.uring.Errno.EINVAL); // refused before submission: the exception says why
            }
        }
    }

    /** Loop thread: one operation completed. */
    @Override
    public void onComplete(long token, int result) {
        results[(int) token] = result;
        if (--remaining == 0) {
            done = true;
            LockSupport.unpark(waiter);
        }
    }
}
