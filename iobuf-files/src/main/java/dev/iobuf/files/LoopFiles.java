package dev.iobuf.files;

import dev.iobuf.uring.reactor.EventLoop;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The files open on one event loop, so that the loop's shutdown closes them (the loop waits for
 * its registered handlers to leave). One per loop, made with the loop's first file; touched on
 * the loop thread only, except the map of loops, which is concurrent.
 */
final class LoopFiles {
    private static final Map<EventLoop, LoopFiles> LOOPS = new ConcurrentHashMap<>();

    private final Set<AsyncFile> open = Collections.newSetFromMap(new IdentityHashMap<>());

    private LoopFiles() {
    }

    /** The files of {@code loop}, made (with the loop's hooks) on first use. Loop thread. */
    static LoopFiles of(EventLoop loop) {
        LoopFiles files = LOOPS.get(loop);
        if (files == null) {
            LoopFiles made = new LoopFiles();
            files = made;
            LOOPS.put(loop, made);
            loop.onShutdown(made::closeAll);
            loop.onTerminate(() -> LOOPS.remove(loop));
        }
        return files;
    }

    void add(AsyncFile file) {
        open.add(file);
    }

    void remove(AsyncFile file) {
        open.remove(file);
    }

    private void closeAll() {
        for (AsyncFile f : new ArrayList<>(open)) {
            f.close();
        }
    }
}
