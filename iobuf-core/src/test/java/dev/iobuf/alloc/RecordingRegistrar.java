package dev.iobuf.alloc;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link BufferRegistrar} for tests: keeps the table in memory, records every call, and enforces
 * the io_uring limits (16384 buffers of at most 1 GiB) and the interface's error rules.
 */
final class RecordingRegistrar implements BufferRegistrar {
    static final int MAX_BUFFERS = 16384;
    static final long MAX_BUFFER_SIZE = 1L << 30;

    /** Registered index -> region. */
    final List<MemorySegment> table = new ArrayList<>();
    /** The regions passed to each register/add call, in call order. */
    final List<List<MemorySegment>> calls = new ArrayList<>();
    int unregisterCalls;
    /** When set, the next add() fails with this. */
    RuntimeException failNextAdd;
    private boolean registered;
    private boolean closed;

    @Override
    public synchronized int[] register(List<MemorySegment> regions) {
        checkOpen();
        if (registered) {
            throw new IllegalStateException("buffers are already registered: call add(...) or unregister() first");
        }
        check(regions, 0);
        table.clear();
        registered = true;
        return append(regions);
    }

    @Override
    public synchronized int[] add(List<MemorySegment> regions) {
        checkOpen();
        if (!registered) {
            throw new IllegalStateException("nothing is registered: call register(...) first");
        }
        if (failNextAdd != null) {
            RuntimeException e = failNextAdd;
            failNextAdd = null;
            throw e;
        }
        check(regions, table.size());
        return append(regions);
    }

    @Override
    public synchronized void update(int index, MemorySegment region) {
        checkOpen();
        if (!registered) {
            throw new IllegalStateException("nothing is registered");
        }
        if (index < 0 || index >= table.size()) {
            throw new IllegalArgumentException("index " + index + " is not registered");
        }
        check(List.of(region), 0);
        table.set(index, region);
    }

    @Override
    public synchronized void unregister() {
        checkOpen();
        if (!registered) {
            throw new IllegalStateException("nothing is registered");
        }
        registered = false;
        table.clear();
        unregisterCalls++;
    }

    @Override
    public synchronized boolean isRegistered() {
        return registered;
    }

    @Override
    public synchronized void close() {
        registered = false;
        closed = true;
    }

    private int[] append(List<MemorySegment> regions) {
        calls.add(List.copyOf(regions));
        int[] idx = new int[regions.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = table.size();
            table.add(regions.get(i));
        }
        return idx;
    }

    private void check(List<MemorySegment> regions, int have) {
        if (have + regions.size() > MAX_BUFFERS) {
            throw new IllegalArgumentException("more than " + MAX_BUFFERS + " buffers");
        }
        for (MemorySegment r : regions) {
            if (r.byteSize() > MAX_BUFFER_SIZE || r.byteSize() == 0) {
                throw new IllegalArgumentException("a registered buffer must be 1 B to 1 GiB, got " + r.byteSize());
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("registrar is closed");
        }
    }
}
