package dev.iobuf.alloc;

import dev.iobuf.internal.StateWords;

import java.util.Arrays;

/**
 * The binary buddy system itself, counted in pages (units of the smallest block): free lists per
 * order, the free-order bitmap, split and merge. Not thread-safe: {@link BuddyPool} calls every
 * method under its lock. Only the {@link #state} words are shared with lock-free code.
 */
final class BuddySystem {

    /*
     * Implementation notes.
     *
     * A block of order k is 2^k pages, starting at a page number that is a multiple of 2^k; its
     * buddy is the block at page ^ 2^k. Knuth's binary buddy system (TAOCP 2.5): allocation takes
     * the smallest free order >= k (one numberOfTrailingZeros on the free-order bitmap, bit j set
     * iff the free list of order j is non-empty), then splits it, keeping the left half and freeing
     * right halves down to k. Freeing merges with the buddy while the buddy is a free block of the
     * same order, then pushes the result.
     *
     * Arenas that are not a power of two: at creation the arena is carved greedily into the largest
     * aligned blocks that fit (a 48 MiB arena with 32 MiB blocks is one 32 MiB and one 16 MiB
     * root). A buddy that would extend past the arena does not exist, so such roots never merge;
     * freeing everything restores exactly the initial carving.
     *
     * state[page] describes the block starting at page (its head), or is INTERIOR for a page inside
     * a larger block:
     *
     *     state = kind | order        kind = FREE | ALLOCATED | CACHED, order in the low 8 bits
     *
     * FREE blocks are in a free list and owned by this class; ALLOCATED blocks are owned by a
     * user; CACHED blocks sit in BuddyPool's per-order cache. Only FREE heads take part in merging,
     * so a cached block is never merged away under its cache. Outside the lock, BuddyPool changes a
     * head only between ALLOCATED and CACHED of the same order, by CAS, so the block structure (the
     * heads and their orders) changes only under the lock, and a lock holder may walk it.
     *
     * Free lists are intrusive doubly-linked lists over the page numbers (next[], prev[]), LIFO, so
     * push, pop and unlinking a merged buddy are O(1). All stores to state are release stores and
     * loads acquire loads, since lock-free code CASes the same words.
     */

    static final int INTERIOR = 0;
    static final int FREE = 1 << 8;
    static final int ALLOCATED = 2 << 8;
    static final int CACHED = 3 << 8;
    static final int KIND_MASK = 0xFF00;
    static final int ORDER_MASK = 0xFF;
    private static final int NONE = -1;

    /** Per page: the state of the block starting there, or INTERIOR. Shared with BuddyPool. */
    final StateWords state;
    private final int pages;
    private final int maxOrder;
    private final int[] next;
    private final int[] prev;
    private final int[] first;
    private long freeOrders;

    BuddySystem(int pages, int maxOrder) {
        if (maxOrder < 0 || maxOrder > 62) {
            throw new IllegalArgumentException("buddy orders must be 0 to 62, got " + maxOrder);
        }
        this.pages = pages;
        this.maxOrder = maxOrder;
        this.state = new StateWords(pages);
        this.next = new int[pages];
        this.prev = new int[pages];
        this.first = new int[maxOrder + 1];
        Arrays.fill(first, NONE);
        int p = 0;
        while (p < pages) {
            int k = p == 0 ? maxOrder : Math.min(maxOrder, Integer.numberOfTrailingZeros(p));
            while (p + (1 << k) > pages) {
                k--;
            }
            push(p, k);
            p += 1 << k;
        }
    }

    /**
     * Allocates a block of {@code order}: its first page, now ALLOCATED; or -1 when no free block of
     * that order or larger exists.
     */
    int allocate(int order) {
        long avail = freeOrders & (-1L << order);
        if (avail == 0) {
            return NONE;
        }
        int k = Long.numberOfTrailingZeros(avail);
        int page = pop(k);
        while (k > order) {
            k--;
            push(page + (1 << k), k);
        }
        soState(page, ALLOCATED | order);
        return page;
    }

    /**
     * Frees the block of {@code order} at {@code page}, which the caller owns (its head is
     * ALLOCATED or CACHED), merging it with free buddies.
     */
    void free(int page, int order) {
        int k = order;
        while (k < maxOrder) {
            int buddy = page ^ (1 << k);
            if (buddy + (1 << k) > pages || laState(buddy) != (FREE | k)) {
                break;
            }
            unlink(buddy, k);
            soState(Math.max(page, buddy), INTERIOR);
            page = Math.min(page, buddy);
            k++;
        }
        push(page, k);
    }

    /** Bit k set iff a free block of order k exists. */
    long freeOrders() {
        return freeOrders;
    }

    /** The state word of the block starting at {@code page}. */
    int laState(int page) {
        return state.getAcquire(page);
    }

    /**
     * Adds, per order, the blocks of each kind to {@code free}, {@code allocated} and {@code cached}
     * (arrays of maxOrder + 1), walking the heads. Caller holds the lock.
     */
    void census(long[] free, long[] allocated, long[] cached) {
        int p = 0;
        while (p < pages) {
            int s = laState(p);
            int order = s & ORDER_MASK;
            switch (s & KIND_MASK) {
                case FREE -> free[order]++;
                case ALLOCATED -> allocated[order]++;
                case CACHED -> cached[order]++;
                default -> throw new IllegalStateException("buddy structure broken: page " + p
                        + " is inside a block but was reached as a block start; state " + s);
            }
            p += 1 << order;
        }
    }

    private void push(int page, int k) {
        int f = first[k];
        next[page] = f;
        prev[page] = NONE;
        if (f != NONE) {
            prev[f] = page;
        }
        first[k] = page;
        freeOrders |= 1L << k;
        soState(page, FREE | k);
    }

    private int pop(int k) {
        int page = first[k];
        unlink(page, k);
        return page;
    }

    private void unlink(int page, int k) {
        int n = next[page];
        int pv = prev[page];
        if (pv != NONE) {
            next[pv] = n;
        } else {
            first[k] = n;
        }
        if (n != NONE) {
            prev[n] = pv;
        }
        if (first[k] == NONE) {
            freeOrders &= ~(1L << k);
        }
    }

    private void soState(int page, int value) {
        state.setRelease(page, value);
    }
}
