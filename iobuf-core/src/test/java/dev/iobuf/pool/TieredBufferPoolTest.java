package dev.iobuf.pool;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TieredBufferPoolTest {

    @Test
    void acquireBySizeGivesTheSmallestTierThatFits() throws InterruptedException {
        try (TieredBufferPool pools = TieredBufferPool.builder().capacity(Tier.SMALL, 4).bytesPerTier(64 << 10).build()) {
            long t = pools.acquire(1500);
            assertThat(TieredBufferPool.tierOf(t)).isEqualTo(Tier.SMALL);
            assertThat(pools.segment(t).byteSize()).isEqualTo(2048);
            long p = pools.tryAcquire(0);
            assertThat(TieredBufferPool.tierOf(p)).isEqualTo(Tier.PICO);
            pools.release(t);
            pools.release(Tier.PICO, TieredBufferPool.indexOf(p));
            assertThat(pools.stats()).containsOnlyKeys(Tier.SMALL, Tier.PICO);
            assertThat(pools.stats().get(Tier.SMALL).available()).isEqualTo(4);
        }
    }

    @Test
    void eachTierIsBoundedByItsCapacity() {
        try (TieredBufferPool pools = TieredBufferPool.builder().capacity(Tier.MEDIUM, 2).build()) {
            List<Long> got = new ArrayList<>();
            long t;
            while ((t = pools.tryAcquire(8000)) >= 0) {
                got.add(t);
            }
            assertThat(got).hasSize(2);
            got.forEach(pools::release);
            assertThatThrownBy(() -> pools.release(got.get(0))).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void defaultCapacityFillsTheBytesPerTier() {
        TieredBufferPool pools = TieredBufferPool.builder().bytesPerTier(1 << 20).build();
        assertThat(pools.capacity(Tier.SMALL)).isEqualTo(512);
        assertThat(pools.capacity(Tier.TITAN)).isEqualTo(1);
        pools.close();
    }

    @Test
    void badTicketsAndSizesAreRejected() {
        try (TieredBufferPool pools = TieredBufferPool.builder().build()) {
            assertThatThrownBy(() -> pools.tryAcquire(-1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> TieredBufferPool.tierOf(-1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pools.release(Tier.HUGE, 0)).isInstanceOf(IllegalStateException.class);
        }
    }
}
