package dev.iobuf.net.uring;

import dev.iobuf.uring.CqeFlags;
import dev.iobuf.uring.reactor.CompletionHandler;
import dev.iobuf.uring.reactor.EventLoop;
import dev.iobuf.uring.reactor.LoopTimer;

import java.util.function.IntConsumer;

/**
 * The multishot accept of one listening socket, on one loop: hands every accepted descriptor to
 * {@code onAccepted}, re-arms after errors (after a pause, never in a busy loop), and on stop
 * cancels the accept and closes the listening socket once nothing can complete any more. Loop
 * thread only.
 */
final class Acceptor implements CompletionHandler {
    /** How long to wait before re-arming the accept after running out of descriptors or memory. */
    static final long RETRY_NANOS = 50_000_000L;
    private static final int TAG_ACCEPT = 1;
    private static final int TAG_CANCEL = 2;

    private final EventLoop loop;
    private final int listenFd;
    private final IntConsumer onAccepted;
    private final int slot;
    private final LoopTimer retry;
    private boolean armed;
    private boolean stopping;
    private boolean fdClosed;
    /** Whether a cancel of the accept was submitted and its own completion has not come yet. */
    private boolean cancelPending;
    private boolean finished;
    /** Accepting is paused (the server's connection limit): the accept is cancelled and not re-armed. */
    private boolean paused;

    Acceptor(EventLoop loop, int listenFd, IntConsumer onAccepted) {
        this.loop = loop;
        this.listenFd = listenFd;
        this.onAccepted = onAccepted;
        this.slot = loop.register(this);
        this.retry = new LoopTimer(loop, this::arm);
        loop.onShutdown(this::stop);
        loop.onTerminate(this::closeFd);
    }

    EventLoop loop() {
        return loop;
    }

    /** Stops accepting for now (new clients wait in the listen queue) until {@link #resume()}. */
    void pause() {
        if (paused || stopping) {
            return;
        }
        paused = true;
        if (armed && !cancelPending) {
            cancelPending = true;
            loop.sqe().cancel(EventLoop.userData(slot, TAG_ACCEPT), 0).userData(EventLoop.userData(slot, TAG_CANCEL));
        }
    }

    /** Accepts again after {@link #pause()}. */
    void resume() {
        if (!paused) {
            return;
        }
        paused = false;
        arm();
    }

    void arm() {
        if (stopping || armed || paused) {
            return;
        }
        loop.sqe().acceptMultishot(listenFd, 0, 0, SocketCalls.SOCK_CLOEXEC).userData(EventLoop.userData(slot, TAG_ACCEPT));
        armed = true;
    }

    @Override
    public void onCompletion(int tag, int res, int flags) {
        if (tag != TAG_ACCEPT) {
            // The cancel's own completion: the slot may be freed only when neither the accept
            // nor the cancel can still post a completion to it.
            cancelPending = false;
            if (stopping && !armed) {
                finishStop();
            }
            return;
        }
        if (!CqeFlags.hasMore(flags)) {
            armed = false;
        }
        if (res >= 0) {
            onAccepted.accept(res);
        }
        if (!armed) {
            if (stopping) {
                if (!cancelPending) {
                    finishStop();
                }
            } else if (paused) {
                // the connection limit: resume() arms again
            } else if (res < 0) {
                // Out of descriptors or memory, or an error that may persist: re-arm after a
                // pause, never in a busy loop.
                retry.schedule(RETRY_NANOS);
            } else {
                arm(); // the kernel ended the multishot after a success: arm it again
            }
        }
    }

    void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        retry.close();
        if (cancelPending) {
            return; // a pause's cancel is out: its completion (or the accept's last) finishes the stop
        }
        if (armed) {
            cancelPending = true;
            loop.sqe().cancel(EventLoop.userData(slot, TAG_ACCEPT), 0).userData(EventLoop.userData(slot, TAG_CANCEL));
        } else {
            finishStop();
        }
    }

    private void finishStop() {
        if (finished) {
            return;
        }
        finished = true;
        closeFd();
        loop.unregister(slot);
    }

    private void closeFd() {
        if (!fdClosed) {
            fdClosed = true;
            SocketCalls.close(listenFd);
        }
    }
}
