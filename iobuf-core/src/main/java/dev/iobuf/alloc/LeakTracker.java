package dev.iobuf.alloc;

import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The record of one tracked handle, registered with a {@link Cleaner} on that handle. It holds no
 * reference to the handle (or the handle could never become unreachable). Its {@link #run()} runs
 * exactly once: on the releasing thread when the handle is closed (through
 * {@link Cleaner.Cleanable#clean()}), or on the cleaner thread when the handle was collected
 * without being closed, which is a leak.
 */
final class LeakTracker implements Runnable {
    /** Frames of these classes are cut from the top of an acquisition stack. */
    private static final Set<String> INTERNAL = Set.of(LeakTracker.class.getName(), LeakDetector.class.getName(),
            RegisteredPool.class.getName(), FixedBuf.class.getName());

    private final LeakDetector detector;
    private final String pool;
    private final long capacity;
    private final boolean registered;
    private final String thread;
    private final Throwable acquiredAt;
    private volatile boolean released;
    private Cleaner.Cleanable cleanable;

    LeakTracker(LeakDetector detector, String pool, long capacity, boolean registered) {
        this.detector = detector;
        this.pool = pool;
        this.capacity = capacity;
        this.registered = registered;
        this.thread = Thread.currentThread().getName();
        this.acquiredAt = new Throwable("acquired here");
    }

    void register(Cleaner cleaner, Object handle) {
        cleanable = cleaner.register(handle, this);
    }

    /** The handle was closed: untrack it without a report. */
    void release() {
        released = true;
        cleanable.clean();
    }

    @Override
    public void run() {
        detector.untrack(this);
        if (!released) {
            detector.reportLeak(report());
        }
    }

    String pool() {
        return pool;
    }

    LeakReport report() {
        StackTraceElement[] frames = acquiredAt.getStackTrace();
        int from = 0;
        while (from < frames.length - 1 && INTERNAL.contains(frames[from].getClassName())) {
            from++;
        }
        List<StackTraceElement> stack = Arrays.asList(frames).subList(from, frames.length);
        return new LeakReport(pool, capacity, registered, thread, stack);
    }
}
