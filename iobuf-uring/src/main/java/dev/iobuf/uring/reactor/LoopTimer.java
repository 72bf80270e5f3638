package dev.iobuf.uring.reactor;

import dev.iobuf.uring.Errno;
import dev.iobuf.uring.Timespec;

import java.lang.foreign.MemorySegment;

/**
 * A re-armable one-shot timer on an {@link EventLoop}: a TIMEOUT operation on the loop's ring that
 * runs an action on the loop thread when it expires. Create, schedule and cancel it on the loop
 * thread; {@link #schedule} allocates nothing, so a timer can be re-armed forever (a periodic tick
 * re-schedules itself from its action).
 */
public final class LoopTimer implements CompletionHandler, AutoCloseable {
    /*
     * Implementation notes.
     *
     * The tag of each TIMEOUT is the timer's generation. Re-scheduling or cancelling bumps the
     * generation and removes the pending TIMEOUT (TIMEOUT_REMOVE); the removed one still completes
     * (-ECANCELED), carrying an old generation, and is ignored. The kernel copies the timespec
     * while preparing the SQE, but two timers may be prepared in one batch, so each timer owns its
     * 16 bytes. The slot stays registered until no TIMEOUT is in flight any more (close() defers
     * the unregister to the last completion).
     */
    private static final int REMOVE_TAG_BIT = 1 << 31;

    private final EventLoop loop;
    private final Runnable action;
    private final MemorySegment timespec;
    private final int slot;
    private int generation;
    private int inFlight;
    private boolean pending;
    private boolean closed;

    /** A timer on {@code loop} that runs {@code action} on expiry. Loop thread. */
    public LoopTimer(EventLoop loop, Runnable action) {
        this.loop = loop;
        this.action = action;
        this.timespec = loop.allocate(Timespec.BYTES, 8);
        this.slot = loop.register(this);
    }

    /** Arms the timer to fire once, {@code delayNanos} from now, replacing any pending expiry. */
    public void schedule(long delayNanos) {
        if (closed) {
            throw new IllegalStateException("timer is closed");
        }
        cancel();
        generation = (generation + 1) & ~REMOVE_TAG_BIT;
        Timespec.set(timespec, Math.max(0, delayNanos));
        loop.sqe().timeout(timespec.address(), 0, 0).userData(EventLoop.userData(slot, generation));
        inFlight++;
        pending = true;
    }

    /** Disarms the timer; its action will not run for the current schedule. */
    public void cancel() {
        if (!pending) {
            return;
        }
        long target = EventLoop.userData(slot, generation);
        generation = (generation + 1) & ~REMOVE_TAG_BIT;
        pending = false;
        loop.sqe().timeoutRemove(target, 0).userData(EventLoop.userData(slot, REMOVE_TAG_BIT));
        inFlight++;
    }

    /** Whether the timer is armed. */
    public boolean isPending() {
        return pending;
    }

    @Override
    public void onCompletion(int tag, int res, int flags) {
        inFlight--;
        if (closed) {
            if (inFlight == 0) {
                loop.unregister(slot);
            }
            return;
        }
        if ((tag & REMOVE_TAG_BIT) != 0 || tag != generation || !pending) {
            return;
        }
        pending = false;
        if (res == -Errno.ETIME || res == 0) {
            action.run();
        }
    }

    /** Cancels the timer and frees its slot (once its last operation completed). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        cancel();
        closed = true;
        if (inFlight == 0) {
            loop.unregister(slot);
        }
    }
}
