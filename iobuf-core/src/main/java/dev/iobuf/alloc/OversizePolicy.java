package dev.iobuf.alloc;

/** What a {@link SlabPool} does with a request larger than its largest size class. */
public enum OversizePolicy {
    /** Return {@link Block#FAILED}. */
    FAIL,
    /**
     * Allocate from a {@link BuddyPool} the slab pool owns; its arena is a second region, registered
     * with the first. The buddy pool also serves requests when every class that fits is exhausted.
     */
    BUDDY,
    /**
     * Map a dedicated block outside the pool's regions ({@link Block#UNREGISTERED_REGION}); a
     * {@link FixedBuf} over it reports itself unregistered. The slow path: one {@code mmap} per
     * allocation and one shared-arena close per free.
     */
    UNREGISTERED
}
