package dev.iobuf.pool;

import dev.iobuf.memory.AlignedMemory;
import dev.iobuf.memory.IoVec;
import dev.iobuf.memory.MemoryBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BufferPoolTest {

    @ParameterizedTest
    @EnumSource(value = Tier.class, names = {"PICO", "NANO", "MICRO", "SMALL", "MEDIUM", "BIG", "LARGE", "GREAT", "HUGE"})
    void buffersAreDisjointSlicesOfOneSlab(Tier tier) {
        try (BufferPool pool = BufferPool.create(tier, 3)) {
            assertThat(pool.capacity()).isEqualTo(4);
            assertThat(pool.tier()).isEqualTo(tier);
            MemorySegment slab = pool.slab();
            assertThat(slab.byteSize()).isEqualTo(4L * tier.size());
            assertThat(AlignedMemory.isAligned(slab, AlignedMemory.pageSize())).isTrue();
            for (int i = 0; i < 4; i++) {
                MemorySegment s = pool.segment(i);
                assertThat(s.byteSize()).isEqualTo(tier.size());
                assertThat(s.address()).isEqualTo(slab.address() + (long) i * tier.size());
                assertThat(pool.indexOf(s.address() + tier.size() - 1)).isEqualTo(i);
                if (tier.size() >= AlignedMemory.pageSize()) {
                    assertThat(AlignedMemory.isAligned(s, AlignedMemory.pageSize())).isTrue();
                }
            }
            assertThat(pool.indexOf(slab.address() - 1)).isEqualTo(-1);
            assertThat(pool.indexOf(slab.address() + slab.byteSize())).isEqualTo(-1);
        }
    }

    @Test
    void writesToOneBufferNeverShowInAnother() {
        try (BufferPool pool = BufferPool.create(Tier.NANO, 8)) {
            for (int i = 0; i < 8; i++) {
                pool.segment(i).fill((byte) i);
            }
            for (int i = 0; i < 8; i++) {
                MemorySegment s = pool.segment(i);
                for (long off = 0; off < s.byteSize(); off++) {
                    assertThat(s.get(ValueLayout.JAVA_BYTE, off)).isEqualTo((byte) i);
                }
            }
        }
    }

    @Test
    void acquireReleaseContract() throws InterruptedException {
        try (BufferPool pool = BufferPool.create(Tier.SMALL, 2)) {
            int a = pool.acquire();
            int b = pool.tryAcquire(1, TimeUnit.SECONDS);
            assertThat(a).isNotEqualTo(b);
            assertThat(pool.tryAcquire()).isEqualTo(-1);
            assertThatThrownBy(() -> pool.release(2)).isInstanceOf(IllegalArgumentException.class);
            pool.release(a);
            assertThatThrownBy(() -> pool.release(a)).isInstanceOf(IllegalStateException.class);
            pool.release(b);
            assertThat(pool.available()).isEqualTo(2);
        }
    }

    @Test
    void everyCallAfterCloseFailsAndOldSegmentsAreDead() {
        BufferPool pool = BufferPool.create(Tier.MEDIUM, 2);
        int a = pool.tryAcquire();
        MemorySegment seg = pool.segment(a);
        seg.set(ValueLayout.JAVA_LONG, 0, 42L);
        pool.close();
        assertThatThrownBy(pool::tryAcquire).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pool::acquire).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.tryAcquire(1, TimeUnit.MILLISECONDS)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.release(a)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.segment(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pool::slab).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pool::capacity).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pool::available).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pool::tier).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.address(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.ioVec(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pool::tryTake).isInstanceOf(IllegalStateException.class);
        assertThat(pool.stats().capacity()).isEqualTo(2);
        assertThat(pool.isClosed()).isTrue();
        assertThat(pool.toString()).contains("closed");
        // a view taken before close no longer reaches the unmapped memory
        assertThatThrownBy(() -> seg.get(ValueLayout.JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
        pool.close();
    }

    @Test
    void slabMemoryIsCountedAndReturned() {
        long before = MemoryBudget.used();
        BufferPool pool = BufferPool.create(Tier.BIG, 16);
        assertThat(MemoryBudget.used() - before).isGreaterThanOrEqualTo(16L * Tier.BIG.size());
        pool.close();
        assertThat(MemoryBudget.used()).isLessThanOrEqualTo(before);
    }

    @Test
    void hugeTiersGetAHugePageAlignedSlab() {
        try (BufferPool pool = BufferPool.create(Tier.HUGE, 2)) {
            assertThat(pool.slab().address() % (2 << 20)).isZero();
        }
    }

    @Test
    void ioVecNamesTheBuffers() {
        try (BufferPool pool = BufferPool.create(Tier.MICRO, 4)) {
            IoVec v = pool.ioVec(2, 0);
            assertThat(v.count()).isEqualTo(2);
            assertThat(v.base(0)).isEqualTo(pool.address(2));
            assertThat(v.length(1)).isEqualTo(512);
            assertThat(v.totalLength()).isEqualTo(1024);
        }
    }
}
