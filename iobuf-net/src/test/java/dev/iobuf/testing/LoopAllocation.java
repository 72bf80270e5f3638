package dev.iobuf.testing;

import dev.iobuf.uring.reactor.EventLoop;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures what a loop thread allocates per message, for the allocation tests of this module and
 * of the modules above it (shared through this module's test jar). Compilation can be late on a
 * busy machine, so windows are measured until one is clean (for at most 15 s); code that allocates
 * per message never produces a clean window.
 */
public final class LoopAllocation {
    /** Below this many bytes in a window, the window counts as clean. */
    public static final long CLEAN_BYTES = 2048;

    private LoopAllocation() {
    }

    /** The id of {@code loop}'s thread. */
    public static long loopThreadId(EventLoop loop) throws Exception {
        CompletableFuture<Long> id = new CompletableFuture<>();
        loop.execute(() -> id.complete(Thread.currentThread().threadId()));
        return id.get(10, TimeUnit.SECONDS);
    }

    /** Smallest allocation of thread {@code tid} over a window in which at least {@code perWindow} messages were handled. */
    public static long cleanestWindow(long tid, AtomicLong messages, long perWindow) throws InterruptedException {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        long giveUp = System.nanoTime() + 15_000_000_000L;
        while (best >= CLEAN_BYTES && System.nanoTime() < giveUp) {
            long m0 = messages.get();
            long before = mx.getThreadAllocatedBytes(tid);
            while (messages.get() - m0 < perWindow) {
                Thread.sleep(1);
            }
            best = Math.min(best, mx.getThreadAllocatedBytes(tid) - before);
        }
        return best;
    }
}
