package dev.iobuf.uring;

import dev.iobuf.pool.BufferPool;
import dev.iobuf.pool.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** BufferPool slabs registered as one fixed buffer, and buffer rings fed from a pool. */
@Timeout(30)
class BufferPoolIntegrationTest {
    @TempDir
    Path dir;

    @Test
    void poolSlabRegisteredOnceServesFixedIoByIndexWithODirect() throws Throwable {
        try (IoUring ring = IoUring.open(8); BufferPool pool = BufferPool.create(Tier.MEDIUM, 8, false)) {
            assertThat(pool.pageAligned()).isTrue();
            ring.register().buffers(pool);
            int fd = TestNet.open(dir.resolve("pool-direct").toString(),
                    TestNet.O_RDWR | TestNet.O_CREAT | TestNet.O_TRUNC | TestNet.O_DIRECT);
            try {
                int out = pool.acquire();
                int in = pool.acquire();
                MemorySegment src = pool.segment(out);
                for (int i = 0; i < src.byteSize(); i++) {
                    src.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7 + 3));
                }
                Cqe cqe = new Cqe();
                ring.nextSqe().writeFixed(fd, pool, out, Tier.MEDIUM.size(), 8192, 0).userData(1);
                assertThat(ring.waitCqe(cqe, 10_000_000_000L)).isZero();
                assertThat(cqe.res()).isEqualTo(Tier.MEDIUM.size());
                ring.nextSqe().readFixed(fd, pool, in, Tier.MEDIUM.size(), 8192, 0).userData(2); // length, then file offset
                assertThat(ring.waitCqe(cqe, 10_000_000_000L)).isZero();
                assertThat(cqe.res()).isEqualTo(Tier.MEDIUM.size());
                assertThat(pool.segment(in).mismatch(src)).isEqualTo(-1);
                assertThatThrownBy(() -> ring.nextSqe().writeFixed(fd, pool, out, Tier.MEDIUM.size() + 1, 0, 0))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MEDIUM");
                pool.release(out);
                pool.release(in);
            } finally {
                TestNet.close(fd);
            }
        }
    }

    @Test
    void aPoolTooLargeForSixteenBitBufferIdsIsRefused() {
        try (IoUring ring = IoUring.open(8); BufferPool pool = BufferPool.create(Tier.PICO, 65537, false)) {
            assertThatThrownBy(() -> BufferRing.ofPool(ring, 1, pool, 8, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16-bit");
            assertThat(pool.available()).isEqualTo(pool.capacity());
        }
    }

    @Test
    void inFlightCountsOperationsUntilTheirFinalCompletion() {
        try (IoUring ring = IoUring.open(8)) {
            assertThat(ring.inFlight()).isZero();
            ring.nextSqe().nop().userData(1);
            ring.nextSqe().nop().userData(2);
            assertThat(ring.inFlight()).isEqualTo(2);
            ring.submitAndWait(2);
            assertThat(ring.forEachCqe((u, r, f) -> { })).isEqualTo(2);
            assertThat(ring.inFlight()).isZero();
        }
    }

    @Test
    void bufferRingFedFromAPoolUsesPoolIndicesAndGivesThemBack() throws Throwable {
        int[] pair = TestNet.socketPair();
        try (IoUring ring = IoUring.open(8); BufferPool pool = BufferPool.create(Tier.SMALL, 16, false);
             Arena arena = Arena.ofConfined()) {
            Set<Integer> ids = new HashSet<>();
            try (BufferRing br = BufferRing.ofPool(ring, 4, pool, 8, false)) {
                assertThat(pool.available()).isEqualTo(8);
                ring.nextSqe().recvMultishot(pair[0], br.group(), 0).userData(1);
                ring.submit();
                Cqe cqe = new Cqe();
                for (int k = 0; k < 20; k++) {
                    byte[] msg = ("message " + k).getBytes();
                    TestNet.write(pair[1], arena.allocateFrom(ValueLayout.JAVA_BYTE, msg));
                    assertThat(ring.waitCqe(cqe, 10_000_000_000L)).isZero();
                    assertThat(cqe.res()).isEqualTo(msg.length);
                    int bid = cqe.bufferId();
                    assertThat(pool.isAcquired(bid)).isTrue();
                    assertThat(pool.segment(bid).asSlice(0, msg.length).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(msg);
                    assertThat(br.buffer(bid).address()).isEqualTo(pool.address(bid));
                    ids.add(bid);
                    br.recycle(bid);
                }
                ring.nextSqe().cancel(1, 0).userData(2);
                ring.submit();
            }
            assertThat(ids).hasSizeLessThanOrEqualTo(8);
            assertThat(pool.available()).isEqualTo(16);
            assertThatThrownBy(() -> BufferRing.ofPool(ring, 5, pool, 17, false))
                    .isInstanceOf(IllegalArgumentException.class);
        } finally {
            TestNet.close(pair[0]);
            TestNet.close(pair[1]);
        }
    }
}
