package dev.iobuf.alloc;

import dev.iobuf.memory.MemoryBudget;

import java.util.List;

/**
 * A snapshot of one backing pool's statistics. Taken without stopping allocation, so under
 * concurrent use the figures may be a few operations apart.
 *
 * @param pool             the pool's name
 * @param arenaBytes       bytes of the arena
 * @param usedBytes        bytes in allocated blocks of the arena now (block sizes, not requested
 *                         sizes); never more than {@code arenaBytes}
 * @param outsideBytes     bytes in blocks served outside the arena and not yet freed (a
 *                         {@link SlabPool}'s {@link OversizePolicy#UNREGISTERED} blocks); 0 for a
 *                         pool that serves nothing outside its arena
 * @param peakUsedBytes    the most bytes in allocated blocks at once
 * @param freeBytes        bytes in free blocks, cached ones included
 * @param largestFreeBlock the largest block that could be allocated now without waiting
 * @param largestRequest   the largest request the pool has seen, served or not, in its arena or
 *                         outside it
 * @param fragmentedBytes  free bytes that cannot serve {@code largestRequest}: free bytes in blocks
 *                         smaller than it (0 before any request)
 * @param failures         requests that returned {@link Block#FAILED}
 * @param sizes            one entry per block size, smallest first
 */
public record AllocStats(String pool, long arenaBytes, long usedBytes, long outsideBytes, long peakUsedBytes, long freeBytes,
                         long largestFreeBlock, long largestRequest, long fragmentedBytes, long failures,
                         List<SizeClassStats> sizes) {

    public AllocStats {
        sizes = List.copyOf(sizes);
    }

    /** {@code fragmentedBytes / freeBytes}: 0 when every free byte can serve the largest request. */
    public double fragmentation() {
        return freeBytes == 0 ? 0.0 : (double) fragmentedBytes / freeBytes;
    }

    /** One line for logs. */
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "%s: arena=%s used=%s outside=%s peak=%s free=%s largestFree=%s largestRequest=%s fragmentation=%.3f failures=%d",
                pool, MemoryBudget.human(arenaBytes), MemoryBudget.human(usedBytes), MemoryBudget.human(outsideBytes),
                MemoryBudget.human(peakUsedBytes),
                MemoryBudget.human(freeBytes), MemoryBudget.human(largestFreeBlock),
                MemoryBudget.human(largestRequest), fragmentation(), failures);
    }
}
