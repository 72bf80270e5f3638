package dev.iobuf.net.uring;

import dev.iobuf.net.DatagramEndpoint;
import dev.iobuf.uring.reactor.EventLoop;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The datagram endpoints open on one event loop, so that the loop's shutdown closes them and its
 * end releases them. One per loop, made with the first endpoint; its two hooks are registered
 * with the loop once, however many endpoints come and go (a loop's hooks are never removed).
 * Loop thread only, except the map of loops.
 */
final class DatagramLoop {
    private static final ConcurrentHashMap<EventLoop, DatagramLoop> LOOPS = new ConcurrentHashMap<>();

    private final EventLoop loop;
    private final List<UringDatagramEndpoint> endpoints = new ArrayList<>();

    private DatagramLoop(EventLoop loop) {
        this.loop = loop;
    }

    /**
     * The endpoints of {@code loop}, made (and hooked to the loop) on first use. Loop thread.
     *
     * @throws IllegalStateException when the loop is shutting down (its hooks have run or are running)
     */
    static DatagramLoop on(EventLoop loop) {
        if (loop.isShuttingDown()) {
            throw new IllegalStateException("event loop " + loop.name() + " is shutting down");
        }
        DatagramLoop d = LOOPS.get(loop);
        if (d == null) {
            d = new DatagramLoop(loop);
            LOOPS.put(loop, d);
            loop.onShutdown(d::shutdown);
            loop.onTerminate(d::terminate);
        }
        return d;
    }

    void add(UringDatagramEndpoint e) {
        endpoints.add(e);
    }

    void remove(UringDatagramEndpoint e) {
        endpoints.remove(e);
    }

    /** The loop is shutting down: close every endpoint (each leaves the list when it has finished). */
    private void shutdown() {
        for (UringDatagramEndpoint e : endpoints.toArray(new UringDatagramEndpoint[0])) {
            e.closeWith(DatagramEndpoint.REASON_SHUTDOWN);
        }
    }

    /** The loop's ring is closed: release what is left without it, and forget the loop. */
    private void terminate() {
        for (UringDatagramEndpoint e : endpoints.toArray(new UringDatagramEndpoint[0])) {
            e.forceRelease();
        }
        endpoints.clear();
        LOOPS.remove(loop, this);
    }
}
