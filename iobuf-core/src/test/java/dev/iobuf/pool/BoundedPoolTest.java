package dev.iobuf.pool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BoundedPoolTest {

    @ParameterizedTest
    @ValueSource(ints = {0, -1, (1 << 30) + 1, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void rejectsCapacityOutOfRange(int capacity) {
        assertThatThrownBy(() -> BoundedPool.create(capacity))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(capacity));
    }

    @Test
    void roundsCapacityUpToPowerOfTwo() {
        assertThat(BoundedPool.create(1).capacity()).isEqualTo(1);
        assertThat(BoundedPool.create(2).capacity()).isEqualTo(2);
        assertThat(BoundedPool.create(3).capacity()).isEqualTo(4);
        assertThat(BoundedPool.create(1000).capacity()).isEqualTo(1024);
        assertThat(IndexPool.roundCapacity(1 << 30)).isEqualTo(1 << 30);
    }

    @Test
    void acquireBeforeFillFails() {
        BoundedPool<String> pool = BoundedPool.create(4);
        assertThatThrownBy(pool::tryAcquire).isInstanceOf(IllegalStateException.class).hasMessageContaining("fill");
        assertThatThrownBy(pool::acquire).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.tryAcquire(1, TimeUnit.MILLISECONDS)).isInstanceOf(IllegalStateException.class);
        assertThat(pool.available()).isZero();
    }

    @Test
    void releaseBeforeFillFailsAndLeavesThePoolUnfilled() {
        BoundedPool<String> pool = BoundedPool.create(2);
        assertThatThrownBy(() -> pool.release(0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not acquired");
        assertThatThrownBy(pool::tryAcquire).isInstanceOf(IllegalStateException.class).hasMessageContaining("fill");
        assertThat(pool.isAcquired(0)).isFalse();
        pool.fill(i -> "item" + i);
        Set<Integer> got = new HashSet<>();
        got.add(pool.tryAcquire());
        got.add(pool.tryAcquire());
        assertThat(got).containsExactlyInAnyOrder(0, 1);
        assertThat(pool.tryAcquire()).isEqualTo(-1);
        assertThat(pool.stats().failedTries()).isEqualTo(1); // the failed tries before fill are not counted
    }

    @Test
    void aBlockingWaitCountsOneWaitAndNoFailedTries() throws InterruptedException {
        BoundedPool<Integer> pool = BoundedPool.create(1);
        pool.fill(i -> i);
        int a = pool.acquire();
        assertThat(pool.tryAcquire(20, TimeUnit.MILLISECONDS)).isEqualTo(-1);
        PoolStats s = pool.stats();
        assertThat(s.waits()).isEqualTo(1);
        assertThat(s.failedTries()).isEqualTo(1);
        assertThat(s.peakInUse()).isEqualTo(1);
        pool.release(a);
    }

    @Test
    void fillCreatesEveryItemAndHandsOutEveryIndexOnce() {
        BoundedPool<String> pool = BoundedPool.create(3);
        pool.fill(i -> "item-" + i);
        assertThat(pool.available()).isEqualTo(4);
        Set<Integer> seen = new HashSet<>();
        for (int k = 0; k < 4; k++) {
            int i = pool.tryAcquire();
            assertThat(i).isBetween(0, 3);
            assertThat(seen.add(i)).isTrue();
            assertThat(pool.value(i)).isEqualTo("item-" + i);
        }
        assertThat(pool.tryAcquire()).isEqualTo(-1);
        assertThat(pool.available()).isZero();
        seen.forEach(pool::release);
        assertThat(pool.available()).isEqualTo(4);
    }

    @Test
    void aThrowingFactoryLeavesThePoolUnfilledAndFillCanBeRetried() {
        BoundedPool<String> pool = BoundedPool.create(2);
        assertThatThrownBy(() -> pool.fill(i -> {
            throw new IllegalStateException("factory failed");
        })).hasMessage("factory failed");
        assertThatThrownBy(pool::tryAcquire).isInstanceOf(IllegalStateException.class).hasMessageContaining("fill");
        pool.fill(i -> "ok");
        assertThat(pool.available()).isEqualTo(2);
    }

    @Test
    void fillTwiceFails() {
        BoundedPool<String> pool = BoundedPool.create(2);
        pool.fill(i -> "x");
        assertThatThrownBy(() -> pool.fill(i -> "y")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void setValueReplacesTheItem() {
        BoundedPool<String> pool = BoundedPool.create(2);
        pool.fill(i -> "a");
        int i = pool.tryAcquire();
        pool.setValue(i, "b");
        assertThat(pool.value(i)).isEqualTo("b");
    }

    @Test
    void releaseOutOfRangeIsIllegalArgumentAndChangesNothing() {
        BoundedPool<Integer> pool = BoundedPool.create(4);
        pool.fill(i -> i);
        int a = pool.tryAcquire();
        assertThatThrownBy(() -> pool.release(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pool.release(4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pool.release(Integer.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
        assertThat(pool.available()).isEqualTo(3);
        assertThat(pool.isAcquired(a)).isTrue();
    }

    @Test
    void releaseOfIndexNeverAcquiredIsIllegalStateAndChangesNothing() {
        BoundedPool<Integer> pool = BoundedPool.create(4);
        pool.fill(i -> i);
        int a = pool.tryAcquire();
        int never = (a + 1) % 4;
        assertThatThrownBy(() -> pool.release(never))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("double release");
        assertThat(pool.available()).isEqualTo(3);
        pool.release(a);
        assertThat(pool.available()).isEqualTo(4);
    }

    @Test
    void doubleReleaseIsIllegalStateAndChangesNothing() {
        BoundedPool<Integer> pool = BoundedPool.create(2);
        pool.fill(i -> i);
        int a = pool.tryAcquire();
        int b = pool.tryAcquire();
        pool.release(a);
        assertThatThrownBy(() -> pool.release(a)).isInstanceOf(IllegalStateException.class);
        assertThat(pool.available()).isEqualTo(1);
        // the pool still hands out a exactly once
        assertThat(pool.tryAcquire()).isEqualTo(a);
        assertThat(pool.tryAcquire()).isEqualTo(-1);
        pool.release(a);
        pool.release(b);
        assertThat(pool.available()).isEqualTo(2);
    }

    @Test
    void timedAcquireReturnsMinusOneOnTimeout() throws InterruptedException {
        BoundedPool<Integer> pool = BoundedPool.create(1);
        pool.fill(i -> i);
        int a = pool.tryAcquire(1, TimeUnit.SECONDS);
        assertThat(a).isZero();
        assertThat(pool.tryAcquire(20, TimeUnit.MILLISECONDS)).isEqualTo(-1);
        assertThat(pool.tryAcquire(0, TimeUnit.MILLISECONDS)).isEqualTo(-1);
    }

    @Test
    void statisticsCountWhatHappened() {
        BoundedPool<Integer> pool = BoundedPool.create(2);
        pool.fill(i -> i);
        int a = pool.tryAcquire();
        int b = pool.tryAcquire();
        assertThat(pool.tryAcquire()).isEqualTo(-1);
        pool.release(a);
        PoolStats s = pool.stats();
        assertThat(s.capacity()).isEqualTo(2);
        assertThat(s.available()).isEqualTo(1);
        assertThat(s.inUse()).isEqualTo(1);
        assertThat(s.peakInUse()).isEqualTo(2);
        assertThat(s.acquires()).isEqualTo(2);
        assertThat(s.releases()).isEqualTo(1);
        assertThat(s.failedTries()).isEqualTo(1);
        pool.release(b);
    }

    @Test
    void peakReachesCapacityWhenEveryIndexIsTakenWithoutAFailedTry() {
        BoundedPool<Integer> pool = BoundedPool.create(100);
        pool.fill(i -> i);
        int[] held = new int[pool.capacity()];
        for (int k = 0; k < held.length; k++) {
            held[k] = pool.tryAcquire();
        }
        for (int i : held) {
            pool.release(i);
        }
        assertThat(pool.stats().peakInUse()).isEqualTo(128);
        assertThat(pool.stats().failedTries()).isZero();
    }

    @Test
    void everyCallAfterCloseFails() {
        BoundedPool<Integer> pool = BoundedPool.create(2);
        pool.fill(i -> i);
        int a = pool.tryAcquire();
        pool.close();
        assertThatThrownBy(pool::tryAcquire).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(pool::acquire).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.release(a)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.release(-1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.tryAcquire(1, TimeUnit.MILLISECONDS)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pool::capacity).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pool::available).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.fill(i -> i)).isInstanceOf(IllegalStateException.class);
        pool.close();
    }
}
