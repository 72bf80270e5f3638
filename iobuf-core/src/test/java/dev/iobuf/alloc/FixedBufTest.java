package dev.iobuf.alloc;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FixedBufTest {
    private static final long K = 1024;
    private RegisteredPool pool;

    @BeforeEach
    void setUp() {
        pool = RegisteredPool.builder(new RecordingRegistrar(),
                        () -> BuddyPool.builder().arenaSize(64 * K).minBlockSize(4 * K).hugePages(false).build())
                .name("fixed").leakDetector(LeakDetector.paranoid(r -> { })).build();
    }

    @AfterEach
    void tearDown() {
        pool.close();
    }

    @Test
    void useAfterCloseAndDoubleCloseFailLoudlyEvenAfterTheBlockIsReused() {
        FixedBuf a = pool.allocate(4 * K);
        long address = a.address();
        a.segment().set(ValueLayout.JAVA_LONG, 0, 1L);
        a.close();
        assertThat(a.isOpen()).isFalse();
        assertThatThrownBy(a::segment).isInstanceOf(IllegalStateException.class).hasMessageContaining("used after close()");
        assertThatThrownBy(a::address).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(a::bufferIndex).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(a::bufferOffset).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(a::close).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed twice");
        // The same block now belongs to b: the stale handle still cannot reach it or free it.
        FixedBuf b = pool.allocate(4 * K);
        assertThat(b.address()).isEqualTo(address);
        assertThatThrownBy(a::segment).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(a::close).isInstanceOf(IllegalStateException.class);
        assertThat(b.isOpen()).isTrue();
        b.segment().set(ValueLayout.JAVA_LONG, 0, 2L);
        assertThat(pool.outstanding()).isEqualTo(1);
        b.close();
        assertThat(pool.outstanding()).isZero();
        assertThat(a.capacity()).isEqualTo(4 * K); // plain facts stay readable
        assertThat(a.toString()).contains("closed");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void racingClosesOfOneHandleReleaseItExactlyOnce() throws Exception {
        final int threads = 4;
        for (int round = 0; round < 200; round++) {
            FixedBuf buf = pool.allocate(8 * K);
            CyclicBarrier go = new CyclicBarrier(threads);
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                ts.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                        buf.close();
                        ok.incrementAndGet();
                    } catch (IllegalStateException e) {
                        refused.incrementAndGet();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            for (Thread t : ts) {
                t.join();
            }
            assertThat(ok.get()).isEqualTo(1);
            assertThat(refused.get()).isEqualTo(threads - 1);
        }
        pool.assertNoOutstanding();
        assertThat(pool.arenaStats().getFirst().usedBytes()).isZero();
    }

    @Test
    void assertNoOutstandingNamesWhereEachOpenHandleWasAcquired() {
        FixedBuf open = pool.allocate(4 * K);
        assertThatThrownBy(pool::assertNoOutstanding).isInstanceOf(AssertionError.class)
                .hasMessageContaining("1 FixedBuf handle(s) of pool 'fixed' were not closed")
                .hasMessageContaining("assertNoOutstandingNamesWhereEachOpenHandleWasAcquired");
        open.close();
        pool.assertNoOutstanding();
    }

    @Test
    void closeFromAnotherThreadGivesTheBlockBack() throws Exception {
        FixedBuf buf = pool.allocate(64 * K);
        Thread t = Thread.ofPlatform().start(buf::close);
        t.join();
        assertThat(pool.outstanding()).isZero();
        pool.allocate(64 * K).close(); // the whole arena is free again
    }
}
