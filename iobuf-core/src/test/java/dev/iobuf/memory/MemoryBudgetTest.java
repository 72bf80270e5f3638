package dev.iobuf.memory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Isolated
class MemoryBudgetTest {

    @Test
    void anAllocationPastTheLimitFailsClearlyAndAllocatesNothing() {
        long old = MemoryBudget.limit();
        long used = MemoryBudget.used();
        try {
            MemoryBudget.setLimit(used + (1 << 20));
            NativeSlab ok = NativeSlab.map(512 << 10, false, "fits");
            assertThatThrownBy(() -> NativeSlab.map(1 << 20, false, "too big slab"))
                    .isInstanceOf(NativeMemoryExhaustedException.class)
                    .hasMessageContaining("too big slab")
                    .hasMessageContaining(MemoryBudget.LIMIT_PROPERTY);
            assertThat(MemoryBudget.used()).isEqualTo(used + (512 << 10));
            ok.close();
            assertThat(MemoryBudget.used()).isEqualTo(used);
        } finally {
            MemoryBudget.setLimit(old);
        }
    }

    @Test
    void limitsParseWithSuffixes() {
        assertThat(MemoryBudget.parseLimit(null)).isEqualTo(Long.MAX_VALUE);
        assertThat(MemoryBudget.parseLimit("4096")).isEqualTo(4096);
        assertThat(MemoryBudget.parseLimit("512m")).isEqualTo(512L << 20);
        assertThat(MemoryBudget.parseLimit("2G")).isEqualTo(2L << 30);
        assertThatThrownBy(() -> MemoryBudget.parseLimit("lots")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MemoryBudget.setLimit(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void peakFollowsUse() {
        MemoryBudget.resetPeak();
        long used = MemoryBudget.used();
        try (NativeSlab s = NativeSlab.map(1 << 20, false, "peak")) {
            assertThat(MemoryBudget.peak()).isGreaterThanOrEqualTo(used + s.size());
        }
    }
}
