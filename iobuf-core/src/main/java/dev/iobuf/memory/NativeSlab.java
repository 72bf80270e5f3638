package dev.iobuf.memory;

import dev.iobuf.internal.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One long-lived region of native memory, mapped once and cut into slices by its owner.
 *
 * <p>The region comes from an anonymous private {@code mmap}: page-aligned, zero-filled by the
 * kernel lazily (pages are committed on first touch, not by a {@code memset} at allocation as
 * {@link Arena#allocate} does), and optionally advised to use transparent huge pages
 * ({@code madvise(MADV_HUGEPAGE)}). Its segment belongs to a shared arena, so every slice becomes
 * inaccessible the moment the slab is closed: a late access throws {@link IllegalStateException}
 * instead of touching unmapped memory. Closing unmaps the region and returns its bytes to the
 * {@link MemoryBudget}.
 *
 * <p>Thread-safe. Create slabs rarely (one per pool); closing a shared arena synchronises with
 * every thread, which costs tens of microseconds.
 */
public final class NativeSlab implements AutoCloseable {
    /** Size of a transparent huge page on x86-64 and most aarch64 kernels. */
    public static final long HUGE_PAGE_SIZE = 2L << 20;

    private final Arena arena;
    private final MemorySegment segment;
    private final long mappedSize;
    private final boolean hugePages;

    private NativeSlab(Arena arena, MemorySegment segment, long mappedSize, boolean hugePages) {
        this.arena = arena;
        this.segment = segment;
        this.mappedSize = mappedSize;
        this.hugePages = hugePages;
    }

    /** The largest size {@link #map} accepts: 2^62 bytes (a request past it fails as exhausted memory). */
    public static final long MAX_SIZE = 1L << 62;

    /**
     * Maps a slab of at least {@code size} bytes (rounded up to whole pages).
     *
     * @param size      bytes wanted, at least 1; above {@link #MAX_SIZE} the mapping is refused
     * @param hugePages ask the kernel for transparent huge pages when the slab is at least
     *                  {@link #HUGE_PAGE_SIZE}; silently ignored where the system refuses
     * @param what      names the slab in error messages
     * @throws NativeMemoryExhaustedException over the {@link MemoryBudget} limit, above
     *                                        {@link #MAX_SIZE}, or when the kernel refuses the mapping
     */
    public static NativeSlab map(long size, boolean hugePages, String what) {
        if (size <= 0) {
            throw new IllegalArgumentException("slab size must be positive, got " + size);
        }
        long page = AlignedMemory.pageSize();
        if (size > MAX_SIZE) {
            // Rounding up to pages (and a huge page more) would overflow; no kernel maps this much.
            throw new NativeMemoryExhaustedException("cannot map " + size + " bytes for " + what
                    + ": larger than the most a slab can be (" + MemoryBudget.human(MAX_SIZE) + ")");
        }
        boolean huge = hugePages && size >= HUGE_PAGE_SIZE;
        long align = huge ? HUGE_PAGE_SIZE : page;
        long length = roundUp(size, page);
        // For huge pages map one extra huge page and trim, so the region starts on a 2 MiB boundary.
        long mapLength = huge ? length + HUGE_PAGE_SIZE : length;
        MemoryBudget.reserve(length, what);
        long raw;
        try {
            try (Arena call = Arena.ofConfined()) {
                raw = Libc.mmap(Libc.newErrnoState(call), 0L, mapLength, Libc.PROT_READ | Libc.PROT_WRITE,
                        Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1, 0L);
            }
        } catch (RuntimeException | Error e) {
            MemoryBudget.release(length);
            throw e;
        }
        if (raw < 0) {
            MemoryBudget.release(length);
            int errno = (int) -raw;
            throw new NativeMemoryExhaustedException("mmap of " + MemoryBudget.human(mapLength) + " for " + what
                    + " failed: errno " + errno + " (" + Libc.strerror(errno) + ")");
        }
        long base = raw;
        if (huge) {
            base = roundUp(raw, align);
            long head = base - raw;
            long tail = mapLength - head - length;
            if (head > 0) {
                Libc.munmap(Libc.IGNORED_ERRNO, raw, head);
            }
            if (tail > 0) {
                Libc.munmap(Libc.IGNORED_ERRNO, base + length, tail);
            }
        }
        boolean advised = huge && Libc.madvise(Libc.IGNORED_ERRNO, base, length, Libc.MADV_HUGEPAGE) == 0;
        final long start = base;
        Arena arena = Arena.ofShared();
        MemorySegment seg = MemorySegment.ofAddress(start).reinterpret(length, arena, s -> {
            Libc.munmap(Libc.IGNORED_ERRNO, start, length);
            MemoryBudget.release(length);
        });
        return new NativeSlab(arena, seg, length, advised);
    }

    /** The whole slab; slices of it are views, never copies. */
    public MemorySegment segment() {
        return segment;
    }

    /** Bytes mapped (the requested size rounded up to whole pages). */
    public long size() {
        return mappedSize;
    }

    /** Whether the kernel accepted the advice to back this slab with transparent huge pages. */
    public boolean hugePages() {
        return hugePages;
    }

    /** Whether the slab is still mapped. */
    public boolean isOpen() {
        return segment.scope().isAlive();
    }

    /**
     * Unmaps the slab. Every slice becomes inaccessible. Closing twice does nothing.
     *
     * @throws IllegalStateException if another thread is in the middle of an access that holds
     *                               the arena (the FFM rule for shared arenas)
     */
    @Override
    public void close() {
        if (segment.scope().isAlive()) {
            try {
                arena.close();
            } catch (IllegalStateException alreadyClosed) {
                if (segment.scope().isAlive()) {
                    throw alreadyClosed;
                }
            }
        }
    }

    static long roundUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
