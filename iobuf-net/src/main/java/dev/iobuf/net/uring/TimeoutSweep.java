package dev.iobuf.net.uring;

import dev.iobuf.uring.reactor.EventLoop;
import dev.iobuf.uring.reactor.LoopTimer;

import java.util.function.LongConsumer;

/**
 * When a loop's connections are checked for idle and deadline time-outs: a timer that fires often
 * enough for the idle time-out and for the shortest deadline asked for so far (a quarter of the
 * shorter one, at least every {@link #MIN_SWEEP_NANOS}), and calls the loop's check with the time.
 * Loop thread only.
 */
final class TimeoutSweep {
    /** How often time-outs are checked, at most, as a fraction of the shortest time-out. */
    static final int SWEEPS_PER_TIMEOUT = 4;
    /** Shortest sweep interval. */
    static final long MIN_SWEEP_NANOS = 10_000_000L;

    private final EventLoop loop;
    private final long idleNanos;
    private final LongConsumer check;
    private long shortestDeadline = Long.MAX_VALUE;
    private LoopTimer timer;
    private boolean stopped;

    /** Checks with {@code check.accept(now)}; {@code idleNanos} 0 means no idle time-out. */
    TimeoutSweep(EventLoop loop, long idleNanos, LongConsumer check) {
        this.loop = loop;
        this.idleNanos = idleNanos;
        this.check = check;
        if (idleNanos > 0) {
            ensure(0);
        }
    }

    /** Makes sure time-outs are checked often enough for a deadline {@code nanos} away (0: only the idle time-out). */
    void ensure(long nanos) {
        if (stopped) {
            return;
        }
        long before = interval();
        if (nanos > 0) {
            shortestDeadline = Math.min(shortestDeadline, nanos);
        }
        if (timer == null) {
            timer = new LoopTimer(loop, this::fire);
            timer.schedule(interval());
        } else if (interval() < before) {
            timer.schedule(interval());
        }
    }

    private long interval() {
        long base = Math.min(idleNanos > 0 ? idleNanos : Long.MAX_VALUE, shortestDeadline);
        return Math.max(MIN_SWEEP_NANOS, base == Long.MAX_VALUE ? 1_000_000_000L : base / SWEEPS_PER_TIMEOUT);
    }

    private void fire() {
        check.accept(System.nanoTime());
        if (!stopped) {
            timer.schedule(interval());
        }
    }

    /** No more checks. */
    void stop() {
        stopped = true;
        if (timer != null) {
            timer.close();
        }
    }
}
