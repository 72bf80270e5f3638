package dev.iobuf.net.uring;

/**
 * The links of the per-connection lists of held receive buffers: buffers the kernel filled that a
 * connection's handler has not consumed yet (it took fewer bytes than it was given, or reading is
 * paused). Indexed by buffer id; a buffer is in at most one list and only while the kernel has
 * handed it out, so these arrays bound every list and nothing is allocated. The list heads belong
 * to each connection's {@link ReceiveSide}. Loop thread only.
 */
final class HeldBuffers {
    private final int[] next;
    private final int[] off;
    private final int[] len;

    HeldBuffers(int buffers) {
        next = new int[buffers];
        off = new int[buffers];
        len = new int[buffers];
    }

    /** Records that {@code bid} holds {@code len} unconsumed bytes at {@code off}, followed by {@code next} (-1: none). */
    void set(int bid, int off, int len, int next) {
        this.off[bid] = off;
        this.len[bid] = len;
        this.next[bid] = next;
    }

    void next(int bid, int next) {
        this.next[bid] = next;
    }

    int next(int bid) {
        return next[bid];
    }

    int offset(int bid) {
        return off[bid];
    }

    int length(int bid) {
        return len[bid];
    }
}
