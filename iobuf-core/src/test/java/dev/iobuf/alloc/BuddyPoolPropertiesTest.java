package dev.iobuf.alloc;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Buddy invariants after random allocate/free sequences: blocks never overlap, every block is
 * aligned to its own size and holds its request, the byte accounting adds up at every step, and
 * freeing everything coalesces back to the initial blocks (one block for a power-of-two arena).
 */
class BuddyPoolPropertiesTest {
    private static final long PAGE = 4096;

    /** One step: allocate {@code size} bytes, or (size 0) free the live block picked by {@code pick}. */
    record Step(long size, int pick) {
        @Override
        public String toString() {
            return size == 0 ? "free#" + pick : "alloc(" + size + ")";
        }
    }

    @Provide
    Arbitrary<List<Step>> scripts() {
        Arbitrary<Step> alloc = Arbitraries.longs().between(1, 256 * 1024)
                .edgeCases(c -> c.add(1L).add(PAGE).add(PAGE + 1).add(256 * 1024L))
                .map(s -> new Step(s, 0));
        Arbitrary<Step> smallAlloc = Arbitraries.longs().between(1, 3 * PAGE).map(s -> new Step(s, 0));
        Arbitrary<Step> free = Arbitraries.integers().between(0, 1000).map(p -> new Step(0, p));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, alloc), net.jqwik.api.Tuple.of(3, smallAlloc), net.jqwik.api.Tuple.of(4, free))
                .list().ofMaxSize(400);
    }

    @Property(tries = 150)
    void powerOfTwoArenaWithCaches(@ForAll("scripts") List<Step> script) {
        run(256 * 1024, 64, script);
    }

    @Property(tries = 150)
    void powerOfTwoArenaWithoutCaches(@ForAll("scripts") List<Step> script) {
        run(256 * 1024, 0, script);
    }

    @Property(tries = 150)
    void arenaThatIsNotAPowerOfTwo(@ForAll("scripts") List<Step> script) {
        run(192 * 1024 + 12 * PAGE, 8, script); // 240 KiB: roots of 128, 64, 32 and 16 KiB
    }

    private static void run(long arenaSize, int cacheCapacity, List<Step> script) {
        try (BuddyPool pool = BuddyPool.builder().name("prop").arenaSize(arenaSize).minBlockSize(PAGE)
                .maxBlockSize(Long.highestOneBit(arenaSize)).cacheCapacity(cacheCapacity).cacheBytes(arenaSize)
                .hugePages(false).build()) {
            long base = pool.regions().getFirst().address();
            TreeMap<Long, Long> live = new TreeMap<>(); // offset -> block size
            List<Long> tickets = new ArrayList<>();
            long used = 0;
            for (Step step : script) {
                if (step.size() == 0) {
                    if (tickets.isEmpty()) {
                        continue;
                    }
                    long t = tickets.remove(step.pick() % tickets.size());
                    pool.free(t);
                    used -= live.remove(Block.offset(t));
                } else {
                    long t = pool.allocate(step.size());
                    if (t == Block.FAILED) {
                        // Only when no free block that large exists, even after draining the caches.
                        assertThat(pool.stats().largestFreeBlock()).isLessThan(roundUp(step.size()));
                        continue;
                    }
                    long off = Block.offset(t);
                    long size = pool.blockSize(t);
                    assertThat(size).isGreaterThanOrEqualTo(step.size()).isEqualTo(roundUp(step.size()));
                    assertThat(off % size).as("offset aligned to the block size").isZero();
                    assertThat(off + size).isLessThanOrEqualTo(pool.arenaSize());
                    MemorySegment seg = pool.segment(t);
                    assertThat(seg.byteSize()).isEqualTo(size);
                    assertThat(seg.address()).isEqualTo(base + off);
                    assertThat(seg.address() % PAGE).as("page-aligned").isZero();
                    Map.Entry<Long, Long> below = live.floorEntry(off);
                    Map.Entry<Long, Long> above = live.ceilingEntry(off);
                    assertThat(below == null || below.getKey() + below.getValue() <= off)
                            .as("no overlap with the block below %s", below).isTrue();
                    assertThat(above == null || off + size <= above.getKey())
                            .as("no overlap with the block above %s", above).isTrue();
                    live.put(off, size);
                    tickets.add(t);
                    used += size;
                }
                assertThat(pool.stats().usedBytes()).isEqualTo(used);
            }
            AllocStats mid = pool.stats();
            assertThat(mid.freeBytes() + mid.usedBytes()).isEqualTo(pool.arenaSize());
            assertThat(mid.sizes().stream().mapToLong(s -> s.inUse() * s.blockSize()).sum()).isEqualTo(used);

            for (long t : tickets) {
                pool.free(t);
            }
            pool.trimCaches();
            AllocStats end = pool.stats();
            assertThat(end.usedBytes()).isZero();
            assertThat(end.freeBytes()).isEqualTo(pool.arenaSize());
            assertThat(end.sizes()).allSatisfy(s -> assertThat(s.inUse() + s.cached()).isZero());
            // Full coalescing: free blocks are exactly the initial carving, one per set bit of the
            // arena size counted in maximal blocks.
            long remaining = pool.arenaSize();
            for (SizeClassStats s : end.sizes().reversed()) {
                long expect = s.blockSize() == pool.maxBlockSize() ? remaining / s.blockSize()
                        : (remaining & s.blockSize()) != 0 ? 1 : 0;
                assertThat(s.free()).as("free blocks of %d", s.blockSize()).isEqualTo(expect);
                remaining -= expect * s.blockSize();
            }
            assertThat(end.fragmentedBytes()).isLessThanOrEqualTo(end.freeBytes());
            long whole = pool.allocate(pool.maxBlockSize());
            assertThat(whole).isNotEqualTo(Block.FAILED);
            assertThat(Block.offset(whole)).isZero();
            pool.free(whole);
        }
    }

    private static long roundUp(long size) {
        return size <= PAGE ? PAGE : Long.highestOneBit(size - 1) << 1;
    }
}
