package dev.iobuf.uring.reactor;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Several {@link EventLoop}s, one per core, each with its own ring; {@link #next()} spreads work
 * (connections) across them round robin.
 */
public final class EventLoopGroup implements AutoCloseable {
    private final List<EventLoop> loops;
    private final AtomicInteger next = new AtomicInteger();

    private EventLoopGroup(List<EventLoop> loops) {
        this.loops = loops;
    }

    /**
     * Starts {@code count} loops named {@code name-0}, {@code name-1}, ... each with a ring of
     * {@code entries} SQ entries.
     */
    public static EventLoopGroup start(String name, int count, int entries) {
        if (count < 1) {
            throw new IllegalArgumentException("an event loop group needs at least 1 loop, got " + count);
        }
        EventLoop[] started = new EventLoop[count];
        try {
            for (int i = 0; i < count; i++) {
                started[i] = EventLoop.start(name + "-" + i, entries, EventLoop.DEFAULT_TASK_QUEUE);
            }
        } catch (RuntimeException e) {
            for (EventLoop l : started) {
                if (l != null) {
                    l.close();
                }
            }
            throw e;
        }
        return new EventLoopGroup(List.of(started));
    }

    /** One loop per available processor, default ring size. */
    public static EventLoopGroup start(String name) {
        return start(name, Runtime.getRuntime().availableProcessors(), EventLoop.DEFAULT_ENTRIES);
    }

    /** The next loop, round robin. Any thread. */
    public EventLoop next() {
        return loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
    }

    /** The loops. */
    public List<EventLoop> loops() {
        return loops;
    }

    /** Number of loops. */
    public int size() {
        return loops.size();
    }

    /** Starts a graceful shutdown of every loop. */
    public void shutdown() {
        for (EventLoop l : loops) {
            l.shutdown();
        }
    }

    /** Waits until every loop has ended; false on time-out. */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (EventLoop l : loops) {
            if (!l.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                return false;
            }
        }
        return true;
    }

    /** Shuts every loop down and waits (up to 10 s each). */
    @Override
    public void close() {
        shutdown();
        for (EventLoop l : loops) {
            l.close();
        }
    }
}
