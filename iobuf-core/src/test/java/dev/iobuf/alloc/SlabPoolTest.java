package dev.iobuf.alloc;

import dev.iobuf.memory.AlignedMemory;
import dev.iobuf.pool.Tier;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SlabPoolTest {
    private static final long K = 1024;

    @Test
    void defaultClassesLiveInOneRegion() {
        try (SlabPool pool = SlabPool.builder().hugePages(false).build()) {
            assertThat(pool.classSizes()).containsExactly(4 * K, 8 * K, 16 * K, 32 * K, 64 * K);
            assertThat(pool.classCounts()).containsExactly(512, 256, 128, 64, 32);
            assertThat(pool.regions()).as("the slab arena and the default buddy fallback's").hasSize(2);
            assertThat(pool.regions().getFirst().byteSize()).isEqualTo(10 * 1024 * K);
            assertThat(pool.oversizePolicy()).as("fallback by default, not a mapping per block").isEqualTo(OversizePolicy.BUDDY);
            long big = pool.allocate(1024 * K);
            assertThat(Block.isUnregistered(big)).isFalse();
            assertThat(pool.segment(big).byteSize()).isEqualTo(1024 * K);
            pool.free(big);
            MemorySegment region = pool.regions().getFirst();
            long[] requests = {1, 4 * K, 4 * K + 1, 20_000, 64 * K};
            long[] expect = {4 * K, 4 * K, 8 * K, 32 * K, 64 * K};
            for (int i = 0; i < requests.length; i++) {
                long t = pool.allocate(requests[i]);
                MemorySegment seg = pool.segment(t);
                assertThat(seg.byteSize()).isEqualTo(expect[i]);
                assertThat(Block.region(t)).isZero();
                assertThat(seg.address()).isEqualTo(region.address() + Block.offset(t));
                assertThat(AlignedMemory.isAligned(seg, AlignedMemory.pageSize())).isTrue();
                pool.free(t);
            }
        }
    }

    @Test
    void anExhaustedClassBorrowsFromTheNextLargerOne() {
        try (SlabPool pool = SlabPool.builder().sizeClass(4 * K, 2).sizeClass(8 * K, 1).sizeClass(16 * K, 1)
                .oversize(OversizePolicy.FAIL).hugePages(false).build()) {
            long a = pool.allocate(4 * K);
            long b = pool.allocate(4 * K);
            long c = pool.allocate(4 * K); // borrows 8 KiB
            long d = pool.allocate(100);   // borrows 16 KiB
            assertThat(List.of(a, b, c, d)).doesNotContain(Block.FAILED);
            assertThat(pool.blockSize(c)).isEqualTo(8 * K);
            assertThat(pool.blockSize(d)).isEqualTo(16 * K);
            assertThat(pool.allocate(1)).isEqualTo(Block.FAILED);
            AllocStats s = pool.stats();
            assertThat(s.sizes()).extracting(SizeClassStats::borrowed).containsExactly(0L, 1L, 1L);
            assertThat(s.sizes()).extracting(SizeClassStats::inUse).containsExactly(2L, 1L, 1L);
            assertThat(s.usedBytes()).isEqualTo(32 * K);
            assertThat(s.failures()).isEqualTo(1);
            // A borrowed block goes back to its own class.
            pool.free(c);
            long again = pool.allocate(8 * K);
            assertThat(again).isEqualTo(c);
            for (long t : new long[] {a, b, again, d}) {
                pool.free(t);
            }
            assertThat(pool.stats().usedBytes()).isZero();
        }
    }

    @Test
    void everyBlockOfEveryClassIsHandedOutOnceAndDoesNotOverlap() {
        try (SlabPool pool = SlabPool.builder().sizeClass(Tier.SMALL, 5).sizeClass(6 * K, 3).sizeClass(Tier.BIG, 2)
                .oversize(OversizePolicy.FAIL).hugePages(false).build()) {
            List<Long> held = new ArrayList<>();
            Set<Long> starts = new HashSet<>();
            long t;
            while ((t = pool.allocate(1)) != Block.FAILED) {
                held.add(t);
                MemorySegment seg = pool.segment(t);
                seg.fill((byte) held.size());
                assertThat(starts.add(Block.offset(t))).isTrue();
            }
            assertThat(held).hasSize(10);
            for (int i = 0; i < held.size(); i++) {
                MemorySegment seg = pool.segment(held.get(i));
                for (long j = 0; j < seg.byteSize(); j++) {
                    assertThat(seg.get(ValueLayout.JAVA_BYTE, j)).isEqualTo((byte) (i + 1));
                }
            }
            held.forEach(pool::free);
        }
    }

    @Test
    void oversizeCanFail() {
        try (SlabPool pool = SlabPool.builder().sizeClass(4 * K, 1).oversize(OversizePolicy.FAIL).hugePages(false).build()) {
            assertThat(pool.allocate(4 * K + 1)).isEqualTo(Block.FAILED);
            assertThat(pool.maxBlockSize()).isEqualTo(4 * K);
        }
    }

    @Test
    void oversizeCanGoToARegisteredBuddyFallbackWhichAlsoTakesOverflow() {
        try (SlabPool pool = SlabPool.builder().sizeClass(4 * K, 1)
                .oversizeToBuddy(BuddyPool.builder().name("fb").arenaSize(256 * K).hugePages(false))
                .hugePages(false).build()) {
            assertThat(pool.regions()).hasSize(2);
            assertThat(pool.maxBlockSize()).isEqualTo(256 * K);
            long big = pool.allocate(100 * K);
            assertThat(Block.region(big)).isEqualTo(1);
            assertThat(pool.blockSize(big)).isEqualTo(128 * K);
            MemorySegment seg = pool.segment(big);
            assertThat(seg.address()).isEqualTo(pool.regions().get(1).address() + Block.offset(big));
            long small = pool.allocate(10);
            long overflow = pool.allocate(10);  // the only 4 KiB block is taken: the buddy serves it
            assertThat(Block.region(small)).isZero();
            assertThat(Block.region(overflow)).isEqualTo(1);
            assertThat(pool.fallback().stats().usedBytes()).isEqualTo(132 * K);
            pool.free(big);
            pool.free(overflow);
            pool.free(small);
            assertThatThrownBy(() -> pool.free(big)).isInstanceOf(IllegalStateException.class);
            assertThat(pool.fallback().stats().usedBytes()).isZero();
        }
    }

    @Test
    void oversizeCanBeAnUnregisteredBlockOutsideTheRegions() {
        SlabPool pool = SlabPool.builder().sizeClass(4 * K, 1).oversize(OversizePolicy.UNREGISTERED).hugePages(false).build();
        long big = pool.allocate(1024 * K);
        assertThat(Block.isUnregistered(big)).isTrue();
        MemorySegment seg = pool.segment(big);
        assertThat(seg.byteSize()).isEqualTo(1024 * K);
        MemorySegment region = pool.regions().getFirst();
        assertThat(seg.address() >= region.address() + region.byteSize() || seg.address() + seg.byteSize() <= region.address())
                .isTrue();
        seg.set(ValueLayout.JAVA_LONG, 8, 7L);
        assertThat(pool.unregisteredBlocks()).isEqualTo(1);
        pool.free(big);
        assertThat(pool.unregisteredBlocks()).isZero();
        assertThatThrownBy(() -> seg.get(ValueLayout.JAVA_LONG, 8)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.free(big)).isInstanceOf(IllegalStateException.class).hasMessageContaining("not allocated");
        long another = pool.allocate(8 * K);
        pool.close(); // unmaps outstanding unregistered blocks too
        assertThat(pool.unregisteredBlocks()).isZero();
        assertThatThrownBy(() -> pool.allocate(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> pool.free(another)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void doubleFreeAndForeignTicketsAreCaught() {
        try (SlabPool pool = SlabPool.builder().sizeClass(4 * K, 4).sizeClass(12 * K, 2).oversize(OversizePolicy.FAIL)
                .hugePages(false).build()) {
            long a = pool.allocate(4 * K);
            pool.free(a);
            assertThatThrownBy(() -> pool.free(a)).isInstanceOf(IllegalStateException.class).hasMessageContaining("freed twice");
            long b = pool.allocate(12 * K);
            assertThatThrownBy(() -> pool.free(b + 4 * K)).isInstanceOf(IllegalArgumentException.class); // inside a block
            assertThatThrownBy(() -> pool.free(Block.of(0, 7, 0))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pool.free(Block.withRegion(b, 1))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pool.free(Block.withRegion(b, Block.UNREGISTERED_REGION)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pool.allocate(0)).isInstanceOf(IllegalArgumentException.class);
            pool.free(b);
            AllocStats s = pool.stats();
            assertThat(s.usedBytes()).isZero();
            assertThat(s.sizes()).extracting(SizeClassStats::free).containsExactly(4L, 2L);
        }
    }

    @Test
    void tiersAndBytesPerClassSizeTheClasses() {
        try (SlabPool pool = SlabPool.builder().bytesPerClass(64 * K).tiers(Tier.MEDIUM, Tier.BIG, Tier.LARGE)
                .hugePages(false).build()) {
            assertThat(pool.classSizes()).containsExactly(8 * K, 32 * K, 128 * K);
            assertThat(pool.classCounts()).containsExactly(8, 2, 1);
        }
        assertThatThrownBy(() -> SlabPool.builder().sizeClass(4 * K, 1).sizeClass(4 * K, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> SlabPool.builder().sizeClass(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SlabPool.builder().sizeClass(4 * K, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fragmentationCountsFreeBytesInClassesTooSmallForTheLargestRequest() {
        try (SlabPool pool = SlabPool.builder().sizeClass(4 * K, 4).sizeClass(16 * K, 1).oversize(OversizePolicy.FAIL)
                .hugePages(false).build()) {
            long big = pool.allocate(16 * K);
            AllocStats s = pool.stats();
            assertThat(s.freeBytes()).isEqualTo(16 * K);
            assertThat(s.largestFreeBlock()).isEqualTo(4 * K);
            assertThat(s.largestRequest()).isEqualTo(16 * K);
            assertThat(s.fragmentedBytes()).isEqualTo(16 * K);
            assertThat(s.fragmentation()).isEqualTo(1.0);
            pool.free(big);
            assertThat(pool.stats().fragmentedBytes()).isEqualTo(16 * K); // the 4 KiB blocks still cannot serve 16 KiB
            assertThat(pool.stats().fragmentation()).isEqualTo(0.5);
        }
    }
}
