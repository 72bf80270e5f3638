package dev.iobuf.alloc;

import dev.iobuf.memory.NativeSlab;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The documented answer for every {@code long} size, and statistics that count every request:
 * edges found by checks written outside the project. The Javadoc allows an exception only for a
 * size below 1; every other size is served or fails as the pool's contract says.
 */
class AllocEdgesTest {
    private static final long K = 1024;
    /** Sizes no pool can serve: past the largest slab, or past the 2^47 bytes of a process's address space. */
    private static final long[] HUGE = {Long.MAX_VALUE, Long.MAX_VALUE - 4095, NativeSlab.MAX_SIZE + 1, NativeSlab.MAX_SIZE,
        1L << 48};

    private static SlabPool slab(OversizePolicy policy) {
        SlabPool.Builder b = SlabPool.builder().name("edges").sizeClass(4 * K, 4).hugePages(false);
        return policy == OversizePolicy.BUDDY
                ? b.oversizeToBuddy(BuddyPool.builder().name("edges-fb").arenaSize(256 * K).hugePages(false)).build()
                : b.oversize(policy).build();
    }

    @ParameterizedTest
    @EnumSource(OversizePolicy.class)
    void everyHugeSizeFailsTheAllocationInsteadOfThrowing(OversizePolicy policy) {
        try (SlabPool pool = slab(policy)) {
            for (long size : HUGE) {
                assertThat(pool.allocate(size)).as("allocate(%d) with %s", size, policy).isEqualTo(Block.FAILED);
            }
            assertThat(pool.stats().failures()).isGreaterThanOrEqualTo(HUGE.length);
        }
        try (BuddyPool pool = BuddyPool.builder().name("edges-buddy").arenaSize(256 * K).hugePages(false).build()) {
            for (long size : HUGE) {
                assertThat(pool.allocate(size)).as("buddy allocate(%d)", size).isEqualTo(Block.FAILED);
            }
        }
    }

    @Test
    void theDefaultSlabPoolFailsLongMaxValue() {
        try (SlabPool pool = SlabPool.builder().hugePages(false).build()) {
            assertThat(pool.allocate(Long.MAX_VALUE)).isEqualTo(Block.FAILED);
            assertThatThrownBy(() -> pool.allocate(0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(OversizePolicy.class)
    void aRegisteredPoolAnswersNullAndThrowsOnlyItsDocumentedException(OversizePolicy policy) {
        try (RegisteredPool pool = RegisteredPool.builder(new RecordingRegistrar(), () -> slab(policy))
                .leakDetector(LeakDetector.off()).build()) {
            for (long size : HUGE) {
                assertThat(pool.tryAllocate(size)).as("tryAllocate(%d)", size).isNull();
                assertThatThrownBy(() -> pool.allocate(size)).isInstanceOf(PoolExhaustedException.class);
            }
            pool.assertNoOutstanding();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"buddy", "slab-fail", "slab-buddy", "slab-unregistered"})
    void theLargestRequestCountsRefusedAndServedOversizeRequests(String which) {
        BackingPool pool = switch (which) {
            case "buddy" -> BuddyPool.builder().name("lr").arenaSize(256 * K).hugePages(false).build();
            case "slab-fail" -> slab(OversizePolicy.FAIL);
            case "slab-buddy" -> slab(OversizePolicy.BUDDY);
            default -> slab(OversizePolicy.UNREGISTERED);
        };
        try (pool) {
            long served = pool.allocate(64 * K);
            long refused = pool.allocate(1L << 48);
            assertThat(refused).isEqualTo(Block.FAILED);
            assertThat(pool.stats().largestRequest()).as("a refused request counts").isEqualTo(1L << 48);
            if (served != Block.FAILED) {
                pool.free(served);
            }
        }
    }

    @Test
    void blocksServedOutsideTheArenaHaveAByteCountOfTheirOwn() {
        try (SlabPool pool = slab(OversizePolicy.UNREGISTERED)) {
            long small = pool.allocate(4 * K);
            long big = pool.allocate(1024 * K);
            assertThat(Block.isUnregistered(big)).isTrue();
            AllocStats s = pool.stats();
            assertThat(s.largestRequest()).as("a served oversize request counts").isEqualTo(1024 * K);
            assertThat(s.usedBytes()).as("the arena's bytes only").isEqualTo(4 * K).isLessThanOrEqualTo(s.arenaBytes());
            assertThat(s.outsideBytes()).isEqualTo(1024 * K);
            assertThat(s.toString()).contains("outside=1.0 MiB");
            pool.free(big);
            pool.free(small);
            assertThat(pool.stats().outsideBytes()).isZero();
            assertThat(pool.stats().usedBytes()).isZero();
        }
    }
}
