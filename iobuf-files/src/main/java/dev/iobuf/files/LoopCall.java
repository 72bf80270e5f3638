package dev.iobuf.files;

import dev.iobuf.uring.reactor.EventLoop;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * One blocking call carried out on an event loop: the caller queues it, the loop thread runs
 * {@link #start()} (which queues the operation with this call as its completion), the completion
 * stores the result and unparks the caller.
 *
 * <p>The caller waits until the operation completed even when interrupted (the kernel may still
 * be writing into the caller's memory); the interrupt status is kept for the caller to see.
 */
abstract class LoopCall implements Runnable, FileCompletion, BooleanSupplier {
    /*
     * Implementation notes.
     *
     * The caller writes the call's fields, then EventLoop.execute publishes them to the loop thread
     * (the task queue's release/acquire). The loop writes result/failure as plain fields, then the
     * volatile done; the caller reads done, then the plain fields. The park is timed so that a loop
     * that ended (and will never complete the call) is noticed.
     */
    private static final long PARK_NANOS = 100_000_000L;

    private final Thread waiter = Thread.currentThread();
    private int result;
    private RuntimeException failure;
    private volatile boolean done;

    /** Queues the operation on the loop thread, with this call as its completion. */
    abstract void start();

    @Override
    public final void run() {
        try {
            start();
        } catch (RuntimeException e) {
            failure = e;
            done = true;
            LockSupport.unpark(waiter);
        }
    }

    @Override
    public final boolean getAsBoolean() {
        return done;
    }

    /**
     * Parks the calling thread until {@code done} says so, even through interrupts (the kernel
     * may still use the caller's memory until then; the interrupt status is restored).
     *
     * @throws InterruptedIOException when the loop ended first (it will never complete the work)
     */
    static void await(EventLoop loop, Object blocker, BooleanSupplier done) throws InterruptedIOException {
        boolean interrupted = false;
        while (!done.getAsBoolean()) {
            LockSupport.parkNanos(blocker, PARK_NANOS);
            if (Thread.interrupted()) {
                interrupted = true;
            }
            if (!done.getAsBoolean() && loop.isTerminated()) {
                throw new InterruptedIOException("event loop " + loop.name() + " ended before the call completed");
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void onComplete(long token, int res) {
        result = res;
        done = true;
        LockSupport.unpark(waiter);
    }

    /**
     * Hands the call to {@code loop} and waits for its result ({@code -errno} on failure).
     *
     * @throws IllegalStateException  on the loop thread (it would wait for itself)
     * @throws InterruptedIOException when the loop has ended and cannot complete the call
     */
    final int call(EventLoop loop) throws IOException {
        if (loop.inLoop()) {
            throw new IllegalStateException("a blocking file call on the loop thread would wait for itself; use AsyncFile there");
        }
        try {
            loop.execute(this);
        } catch (RejectedExecutionException e) {
            throw new IOException("event loop " + loop.name() + " has ended", e);
        }
        await(loop, this, this);
        if (failure != null) {
            throw failure;
        }
        return result;
    }
}
