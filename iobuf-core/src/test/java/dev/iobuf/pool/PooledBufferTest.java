package dev.iobuf.pool;

import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PooledBufferTest {

    @Test
    void tryWithResourcesGivesTheBufferBack() throws InterruptedException {
        try (BufferPool pool = BufferPool.create(Tier.MICRO, 2)) {
            try (PooledBuffer buf = pool.take()) {
                buf.segment().set(ValueLayout.JAVA_INT, 0, 7);
                assertThat(pool.available()).isEqualTo(1);
                assertThat(buf.segment().byteSize()).isEqualTo(512);
            }
            assertThat(pool.available()).isEqualTo(2);
        }
    }

    @Test
    void useAfterReleaseAndDoubleCloseFailLoudly() {
        try (BufferPool pool = BufferPool.create(Tier.MICRO, 1)) {
            PooledBuffer buf = pool.tryTake();
            buf.close();
            assertThatThrownBy(buf::segment).isInstanceOf(IllegalStateException.class).hasMessageContaining("after its release");
            assertThatThrownBy(buf::close).isInstanceOf(IllegalStateException.class);
            // the index is taken again and again by others: the stale handle fails every time
            for (int generation = 0; generation < 5; generation++) {
                PooledBuffer next = pool.tryTake();
                assertThat(next.index()).isEqualTo(buf.pool().stats().capacity() - 1);
                assertThatThrownBy(buf::segment).isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(buf::close).isInstanceOf(IllegalStateException.class);
                assertThat(next.isOpen()).isTrue();
                assertThat(pool.available()).isZero(); // the stale close did not release the new owner's buffer
                next.close();
            }
            assertThat(pool.available()).isEqualTo(1);
        }
    }

    @Test
    void tryTakeOnAnEmptyPoolIsNull() {
        try (BufferPool pool = BufferPool.create(Tier.PICO, 1)) {
            PooledBuffer a = pool.tryTake();
            assertThat(pool.tryTake()).isNull();
            a.close();
        }
    }

    @Test
    void closeFromAnotherThreadWorks() throws Exception {
        try (BufferPool pool = BufferPool.create(Tier.PICO, 1)) {
            PooledBuffer a = pool.take();
            Thread t = Thread.ofPlatform().start(a::close);
            t.join();
            assertThat(pool.available()).isEqualTo(1);
        }
    }
}
