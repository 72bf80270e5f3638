package dev.iobuf.alloc;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BuddyPoolTest {
    private static final long K = 1024;

    private static BuddyPool.Builder small() {
        return BuddyPool.builder().name("t").arenaSize(1024 * K).minBlockSize(4 * K).hugePages(false);
    }

    @Test
    void servesTheSmallestPowerOfTwoBlockThatHoldsTheRequest() {
        try (BuddyPool pool = small().build()) {
            assertThat(pool.orders()).isEqualTo(9); // 4 KiB .. 1 MiB
            long[] sizes = {1, 4096, 4097, 8192, 100_000, 1024 * K};
            long[] expect = {4 * K, 4 * K, 8 * K, 8 * K, 128 * K, 1024 * K};
            for (int i = 0; i < sizes.length; i++) {
                long t = pool.allocate(sizes[i]);
                assertThat(pool.blockSize(t)).isEqualTo(expect[i]);
                assertThat(pool.segment(t).byteSize()).isEqualTo(expect[i]);
                pool.free(t);
            }
        }
    }

    @Test
    void exhaustionIsAReturnValueAndFreeingMakesRoomAgain() {
        try (BuddyPool pool = small().cacheCapacity(0).build()) {
            List<Long> held = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                long t = pool.allocate(256 * K);
                assertThat(t).isNotEqualTo(Block.FAILED);
                held.add(t);
            }
            assertThat(pool.allocate(1)).isEqualTo(Block.FAILED);
            assertThat(pool.allocate(2048 * K)).isEqualTo(Block.FAILED); // over the largest block
            assertThat(pool.stats().failures()).isEqualTo(2);
            pool.free(held.removeLast());
            long t = pool.allocate(4 * K);
            assertThat(t).isNotEqualTo(Block.FAILED);
            pool.free(t);
            held.forEach(pool::free);
            assertThat(pool.allocate(1024 * K)).isNotEqualTo(Block.FAILED);
        }
    }

    @Test
    void cachedBlocksAreReusedAndDrainedWhenTheBuddySystemRunsOut() {
        try (BuddyPool pool = small().cacheCapacity(8).cacheBytes(1024 * K).build()) {
            assertThat(pool.cacheCapacity(0)).isEqualTo(8);
            List<Long> held = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                held.add(pool.allocate(4 * K));
            }
            held.forEach(pool::free);
            AllocStats s = pool.stats();
            assertThat(s.sizes().getFirst().cached()).isEqualTo(8);
            long again = pool.allocate(4 * K);
            assertThat(held).contains(again); // from the cache, not a fresh split
            pool.free(again);
            // The whole arena in one block needs the cached pages merged back.
            long whole = pool.allocate(1024 * K);
            assertThat(whole).isNotEqualTo(Block.FAILED);
            assertThat(pool.stats().sizes().getFirst().cached()).isZero();
            pool.free(whole);
        }
    }

    @Test
    void allCachesTogetherStayWithinTheirByteBudget() {
        try (BuddyPool pool = BuddyPool.builder().arenaSize(64 * 1024 * K).minBlockSize(4 * K).hugePages(false).build()) {
            long cached = 0;
            for (int k = 0; k < pool.orders(); k++) {
                cached += (long) pool.cacheCapacity(k) * (pool.minBlockSize() << k);
            }
            assertThat(cached).isPositive().isLessThanOrEqualTo(pool.arenaSize() / BuddyPool.DEFAULT_CACHE_SHARE);
            assertThat(pool.cacheCapacity(0)).isEqualTo(BuddyPool.DEFAULT_CACHE_CAPACITY);
            assertThat(pool.cacheCapacity(pool.orders() - 1)).isZero(); // 64 MiB blocks are never cached
        }
        try (BuddyPool pool = small().cacheBytes(0).build()) {
            for (int k = 0; k < pool.orders(); k++) {
                assertThat(pool.cacheCapacity(k)).isZero();
            }
        }
    }

    @Test
    void doubleFreeIsCaughtAndChangesNothing() {
        try (BuddyPool pool = small().build()) {
            long a = pool.allocate(8 * K);
            pool.free(a);
            assertThatThrownBy(() -> pool.free(a)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not allocated");
            pool.trimCaches();
            assertThatThrownBy(() -> pool.free(a)).isInstanceOf(IllegalStateException.class);
            AllocStats s = pool.stats();
            assertThat(s.usedBytes()).isZero();
            assertThat(s.freeBytes()).isEqualTo(1024 * K);
            long b = pool.allocate(8 * K);
            long c = pool.allocate(8 * K);
            assertThat(b).isNotEqualTo(c);
            pool.free(b);
            pool.free(c);
        }
    }

    @Test
    void ticketsThatWereNeverOfThisPoolAreRejected() {
        try (BuddyPool pool = small().build()) {
            long a = pool.allocate(8 * K);
            assertThatThrownBy(() -> pool.free(a + 4096)).isInstanceOf(IllegalArgumentException.class); // misaligned
            assertThatThrownBy(() -> pool.free(Block.of(1, 1, 0))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pool.free(Block.of(0, 20, 0))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pool.free(Block.FAILED)).isInstanceOf(IllegalArgumentException.class);
            // Right shape, wrong order for what is there: not allocated.
            assertThatThrownBy(() -> pool.free(Block.of(0, 0, Block.offset(a)))).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> pool.allocate(0)).isInstanceOf(IllegalArgumentException.class);
            pool.free(a);
        }
    }

    @Test
    void closingUnmapsTheArenaAndRefusesLaterCalls() {
        BuddyPool pool = small().build();
        long a = pool.allocate(4 * K);
        var seg = pool.segment(a);
        seg.set(ValueLayout.JAVA_LONG, 0, 42);
        pool.close();
        pool.close();
        assertThat(pool.isClosed()).isTrue();
        assertThatThrownBy(() -> seg.get(ValueLayout.JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.allocate(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> pool.free(a)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void builderRejectsSizesThatDoNotFit() {
        assertThatThrownBy(() -> BuddyPool.builder().minBlockSize(3000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("power of two");
        assertThatThrownBy(() -> BuddyPool.builder().arenaSize(1024 * K).maxBlockSize(2048 * K).hugePages(false).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("arena size");
        assertThatThrownBy(() -> BuddyPool.builder().arenaSize(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BuddyPool.builder().cacheCapacity(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BuddyPool.builder().arenaSize(1L << 49).minBlockSize(1L << 30).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxArenas");
        assertThatThrownBy(() -> BuddyPool.builder().arenaSize(1L << 40).minBlockSize(512).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2^30 blocks");
    }

    @Test
    void arenaSizeAndBlockLimitsAreConfigurable() {
        try (BuddyPool pool = BuddyPool.builder().arenaSize(3 * 64 * K).minBlockSize(16 * K).maxBlockSize(64 * K)
                .hugePages(false).build()) {
            assertThat(pool.arenaSize()).isEqualTo(192 * K);
            assertThat(pool.minBlockSize()).isEqualTo(16 * K);
            assertThat(pool.maxBlockSize()).isEqualTo(64 * K);
            assertThat(pool.orders()).isEqualTo(3);
            assertThat(pool.regions()).hasSize(1);
            assertThat(pool.regions().getFirst().byteSize()).isEqualTo(192 * K);
            long[] t = {pool.allocate(64 * K), pool.allocate(64 * K), pool.allocate(64 * K)};
            assertThat(pool.allocate(1)).isEqualTo(Block.FAILED);
            for (long b : t) {
                pool.free(b);
            }
        }
    }

    @Test
    void statisticsCountOrdersPeakAndFragmentation() {
        try (BuddyPool pool = small().cacheCapacity(0).build()) {
            // Take every 4 KiB page, then free every other one: half the arena is free, but no
            // free block is larger than 4 KiB, so none of it can serve an 8 KiB request.
            List<Long> pages = new ArrayList<>();
            long t;
            while ((t = pool.allocate(4 * K)) != Block.FAILED) {
                pages.add(t);
            }
            assertThat(pages).hasSize(256);
            for (int i = 0; i < pages.size(); i += 2) {
                pool.free(pages.get(i));
            }
            assertThat(pool.allocate(8 * K)).isEqualTo(Block.FAILED);
            AllocStats s = pool.stats();
            assertThat(s.usedBytes()).isEqualTo(512 * K);
            assertThat(s.peakUsedBytes()).isEqualTo(1024 * K);
            assertThat(s.freeBytes()).isEqualTo(512 * K);
            assertThat(s.largestFreeBlock()).isEqualTo(4 * K);
            assertThat(s.largestRequest()).isEqualTo(8 * K);
            assertThat(s.fragmentedBytes()).isEqualTo(512 * K);
            assertThat(s.fragmentation()).isEqualTo(1.0);
            assertThat(s.sizes().getFirst()).isEqualTo(new SizeClassStats(4 * K, 128, 128, 0, 0));
            for (int i = 1; i < pages.size(); i += 2) {
                pool.free(pages.get(i));
            }
            AllocStats after = pool.stats();
            assertThat(after.fragmentation()).isZero();
            assertThat(after.largestFreeBlock()).isEqualTo(1024 * K);
            assertThat(after.toString()).contains("t:", "fragmentation=0.000");
        }
    }

    @Test
    void aFailedAllocationIsRecordedAsAJfrEvent(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("fail.jfr");
        try (BuddyPool pool = small().name("jfr-buddy").build(); Recording r = new Recording()) {
            r.enable(AllocationFailureEvent.NAME);
            r.start();
            long a = pool.allocate(1024 * K);
            assertThat(pool.allocate(4 * K)).isEqualTo(Block.FAILED);
            r.stop();
            r.dump(file);
            pool.free(a);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals(AllocationFailureEvent.NAME)).toList();
        assertThat(events).hasSize(1);
        assertThat(events.getFirst().getString("pool")).isEqualTo("jfr-buddy");
        assertThat(events.getFirst().getLong("requested")).isEqualTo(4 * K);
        assertThat(events.getFirst().getLong("used")).isEqualTo(1024 * K);
    }
}
