package dev.iobuf.memory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AlignedMemoryTest {

    @Test
    void pageAndCacheLineSizesAreRealPowersOfTwo() {
        assertThat(AlignedMemory.pageSize()).isGreaterThanOrEqualTo(4096);
        assertThat(Long.bitCount(AlignedMemory.pageSize())).isEqualTo(1);
        assertThat(AlignedMemory.cacheLineSize()).isBetween(32, 256);
        assertThat(Integer.bitCount(AlignedMemory.cacheLineSize())).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 8, 64, 4096, 65536, 2 << 20})
    void allocationsAreAlignedAndZeroed(long alignment) {
        MemorySegment s = AlignedMemory.allocate(100, alignment);
        assertThat(s.byteSize()).isEqualTo(100);
        assertThat(AlignedMemory.isAligned(s, alignment)).isTrue();
        for (long i = 0; i < 100; i++) {
            assertThat(s.get(ValueLayout.JAVA_BYTE, i)).isZero();
        }
        assertThat(AlignedMemory.isAligned(AlignedMemory.allocatePageAligned(10), AlignedMemory.pageSize())).isTrue();
        assertThat(AlignedMemory.isAligned(AlignedMemory.allocateCacheAligned(10), AlignedMemory.cacheLineSize())).isTrue();
    }

    @Test
    void badArgumentsAreRejected() {
        assertThatThrownBy(() -> AlignedMemory.allocate(-1, 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AlignedMemory.allocate(8, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AlignedMemory.allocate(8, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void slabsArePageAlignedAndDieOnClose() {
        long before = MemoryBudget.used();
        NativeSlab slab = NativeSlab.map(10_000, false, "test slab");
        assertThat(slab.size()).isEqualTo(AlignedMemory.alignUp(10_000, AlignedMemory.pageSize()));
        assertThat(AlignedMemory.isAligned(slab.segment(), AlignedMemory.pageSize())).isTrue();
        assertThat(MemoryBudget.used() - before).isEqualTo(slab.size());
        slab.segment().set(ValueLayout.JAVA_LONG, 8, 99L);
        assertThat(slab.segment().get(ValueLayout.JAVA_LONG, 8)).isEqualTo(99L);
        MemorySegment view = slab.segment().asSlice(0, 16);
        slab.close();
        slab.close();
        assertThat(slab.isOpen()).isFalse();
        assertThatThrownBy(() -> view.get(ValueLayout.JAVA_LONG, 8)).isInstanceOf(IllegalStateException.class);
        assertThat(MemoryBudget.used()).isEqualTo(before);
    }

    @Test
    void hugePageSlabsStartOnAHugePageBoundary() {
        try (NativeSlab slab = NativeSlab.map(4 << 20, true, "huge test slab")) {
            assertThat(slab.segment().address() % NativeSlab.HUGE_PAGE_SIZE).isZero();
            slab.segment().fill((byte) 1);
        }
    }
}
