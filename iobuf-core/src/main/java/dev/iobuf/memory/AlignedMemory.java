package dev.iobuf.memory;

import dev.iobuf.internal.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Aligned native memory and the machine facts that alignment depends on.
 *
 * <p>{@link #allocate(long, long)} returns memory that lives as long as the returned segment (or
 * any slice of it) is reachable, and is counted in the {@link MemoryBudget} until the garbage
 * collector frees it. For memory with an explicit lifetime and huge pages, map a
 * {@link NativeSlab}. Allocating is not meant for a hot path: pools allocate one slab and hand
 * out slices.
 */
public final class AlignedMemory {
    private static final long PAGE_SIZE = detectPageSize();
    private static final int CACHE_LINE_SIZE = detectCacheLineSize();
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "iobuf-memory-cleaner");
        t.setDaemon(true);
        return t;
    });

    private AlignedMemory() {
    }

    /**
     * Allocates {@code size} zeroed bytes whose address is a multiple of {@code alignment}.
     *
     * @param size      bytes, at least 0
     * @param alignment a power of two, at least 1
     * @throws IllegalArgumentException       for a negative size or an alignment that is not a
     *                                        power of two
     * @throws NativeMemoryExhaustedException over the {@link MemoryBudget} limit
     */
    public static MemorySegment allocate(long size, long alignment) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, got " + size);
        }
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, got " + alignment);
        }
        // Arena.allocate over-allocates by the alignment to place the block; count what it takes.
        long charged = size + (alignment > 16 ? alignment : 0);
        MemoryBudget.reserve(charged, "AlignedMemory.allocate(" + size + ", " + alignment + ")");
        MemorySegment segment;
        try {
            segment = Arena.ofAuto().allocate(Math.max(size, 1), alignment).asSlice(0, size);
        } catch (OutOfMemoryError e) {
            MemoryBudget.release(charged);
            throw new NativeMemoryExhaustedException("the system refused " + MemoryBudget.human(size)
                    + " of native memory: " + e.getMessage());
        }
        // The scope object is shared by the segment and every slice: it is reachable exactly as
        // long as the memory is, so its cleaning is when the bytes go back to the budget.
        CLEANER.register(segment.scope(), () -> MemoryBudget.release(charged));
        return segment;
    }

    /** Allocates {@code size} bytes aligned to the page size. */
    public static MemorySegment allocatePageAligned(long size) {
        return allocate(size, PAGE_SIZE);
    }

    /** Allocates {@code size} bytes aligned to a cache line, so no other data shares its lines. */
    public static MemorySegment allocateCacheAligned(long size) {
        return allocate(size, CACHE_LINE_SIZE);
    }

    /** The page size of this machine (from {@code sysconf(_SC_PAGESIZE)}), usually 4096. */
    public static long pageSize() {
        return PAGE_SIZE;
    }

    /**
     * The cache-line size: read from sysfs where Linux reports it, else the usual size of the
     * architecture (64 on x86-64 and most aarch64; 128 on Apple silicon and POWER; 256 on s390x).
     */
    public static int cacheLineSize() {
        return CACHE_LINE_SIZE;
    }

    /** Whether {@code segment}'s address is a multiple of {@code alignment}. */
    public static boolean isAligned(MemorySegment segment, long alignment) {
        return (segment.address() & (alignment - 1)) == 0;
    }

    /** Rounds {@code value} up to a multiple of the power of two {@code alignment}. */
    public static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }

    private static long detectPageSize() {
        try {
            long page = Libc.sysconf(Libc.SC_PAGESIZE);
            if (page > 0 && Long.bitCount(page) == 1) {
                return page;
            }
        } catch (RuntimeException | LinkageError ignored) {
            // no libc sysconf (not Linux/Unix): fall through to the common size
        }
        return 4096;
    }

    private static int detectCacheLineSize() {
        Path sysfs = Path.of("/sys/devices/system/cpu/cpu0/cache/index0/coherency_line_size");
        try {
            int size = Integer.parseInt(Files.readString(sysfs).trim());
            if (size >= 16 && Integer.bitCount(size) == 1) {
                return size;
            }
        } catch (Exception ignored) {
            // not Linux, or no such sysfs file: use the architecture's usual size
        }
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (arch.startsWith("ppc")) {
            return 128;
        }
        if (arch.equals("s390x")) {
            return 256;
        }
        if ((arch.equals("aarch64") || arch.equals("arm64")) && os.contains("mac")) {
            return 128;
        }
        return 64;
    }
}
