package dev.iobuf.net.uring;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A list of entries waiting for the loop's next iteration (send queues to flush, receive sides
 * starved of buffers, send queues waiting for buffers). Each entry's owner keeps the flag that puts
 * it here at most once. Loop thread only; the steady state allocates nothing.
 */
final class PendingList<T> {
    /*
     * Implementation notes.
     *
     * drain() calls back the entries added before it started; entries added by those callbacks (a
     * woken writer that runs out of buffers again, a handler writing to another connection) go
     * into the other of two arrays, for the next drain, so nothing is overwritten or called twice
     * in one drain. Arrays grow by doubling and are reused. A callback that throws leaves the
     * entries after it listed, so their owners (whose flags keep them from being listed twice)
     * are not stranded.
     */
    private Object[] items = new Object[16];
    private Object[] spare = new Object[16];
    private int size;

    void add(T entry) {
        if (size == items.length) {
            items = Arrays.copyOf(items, size * 2);
        }
        items[size++] = entry;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Calls {@code action} on each entry added so far, in order, and empties the list of them. */
    @SuppressWarnings("unchecked")
    void drain(Consumer<? super T> action) {
        Object[] batch = items;
        int n = size;
        items = spare;
        size = 0;
        int i = 0;
        try {
            while (i < n) {
                T entry = (T) batch[i];
                batch[i++] = null;
                action.accept(entry);
            }
        } finally {
            // A callback threw: the entries not yet called back stay listed for the next drain
            // (their owners' flags still say they are), so none is stranded.
            for (; i < n; i++) {
                add((T) batch[i]);
                batch[i] = null;
            }
            spare = batch;
        }
    }
}
