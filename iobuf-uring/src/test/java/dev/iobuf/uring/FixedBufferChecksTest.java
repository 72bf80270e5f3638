package dev.iobuf.uring;

import dev.iobuf.alloc.BuddyPool;
import dev.iobuf.alloc.BufferRegistrar;
import dev.iobuf.alloc.FixedBuf;
import dev.iobuf.alloc.LeakDetector;
import dev.iobuf.alloc.RegisteredPool;
import dev.iobuf.memory.AlignedMemory;
import dev.iobuf.memory.MemoryBudget;
import dev.iobuf.pool.BufferPool;
import dev.iobuf.pool.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One fixed-buffer check, shared by every fixed operation: bounds of a {@code FixedBuf}, the
 * ring's table of registered buffers (index never registered, emptied by a closed tenant, memory
 * outside the index's buffer), and an SQE whose preparation failed is taken back, so nothing
 * half-built is submitted. Also: the ring's own mappings are counted by {@link MemoryBudget}.
 */
class FixedBufferChecksTest {
    private static final long K = 1024;
    @TempDir
    Path dir;

    private static BuddyPool arena() {
        return BuddyPool.builder().name("checks").arenaSize(256 * K).minBlockSize(4 * K).hugePages(false).build();
    }

    private int file() throws Exception {
        Path f = dir.resolve("data");
        Files.write(f, new byte[64 * 1024]);
        return TestNet.open(f.toString(), TestNet.O_RDWR);
    }

    /** Nothing half-built went into the queue: nothing is pending, and the next SQE's completion is the only one. */
    private static void assertQueueAsItWas(IoUring ring) {
        assertThat(ring.sqPending()).as("no SQE left behind by the failed preparation").isZero();
        ring.nextSqe().nop().userData(77);
        assertThat(ring.submit()).isEqualTo(1);
        Cqe cqe = new Cqe();
        assertThat(ring.waitCqe(cqe, 5_000_000_000L)).isZero();
        assertThat(cqe.userData()).isEqualTo(77);
        assertThat(ring.peekCqe(cqe)).as("no completion nobody asked for").isFalse();
    }

    @Test
    void aFixedBufIsBoundedByItsOwnCapacityNotByItsRegion() throws Exception {
        try (IoUring ring = IoUring.open(8);
             IoUringBufferRegistrar table = new IoUringBufferRegistrar(ring, 4);
             RegisteredPool pool = RegisteredPool.builder(table.tenant(), FixedBufferChecksTest::arena)
                     .leakDetector(LeakDetector.off()).build()) {
            int fd = file();
            try (FixedBuf buf = pool.allocate(4 * K); FixedBuf neighbour = pool.allocate(4 * K)) {
                neighbour.segment().fill((byte) 9);
                assertThatThrownBy(() -> ring.nextSqe().readFixed(fd, buf, (int) (8 * K), 0))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the handle's 4096 bytes");
                assertQueueAsItWas(ring);
                assertThat(neighbour.segment().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 9);

                ring.nextSqe().readFixed(fd, buf, (int) (4 * K), 0).userData(1);
                Cqe cqe = new Cqe();
                assertThat(ring.waitCqe(cqe, 5_000_000_000L)).isZero();
                assertThat(cqe.res()).isEqualTo((int) (4 * K));
                ring.nextSqe().writeFixed(fd, buf, 100, 0).userData(2);
                assertThat(ring.waitCqe(cqe, 5_000_000_000L)).isZero();
                assertThat(cqe.res()).isEqualTo(100);
                assertThat(ring.registeredBufferIndex(buf.segment())).isEqualTo(buf.bufferIndex());
                assertThat(ring.registeredBufferIndex(AlignedMemory.allocatePageAligned(4096))).isEqualTo(-1);
            } finally {
                TestNet.close(fd);
            }
        }
    }

    @Test
    void indicesAreCheckedAgainstTheRingsTableWithAReason() throws Exception {
        try (IoUring ring = IoUring.open(8);
             IoUringBufferRegistrar table = new IoUringBufferRegistrar(ring, 4);
             BufferPool one = BufferPool.create(Tier.MEDIUM, 4);
             BufferPool two = BufferPool.create(Tier.MEDIUM, 4)) {
            int fd = file();
            try {
                long addr = one.address(0);
                assertThatThrownBy(() -> ring.nextSqe().readFixed(fd, addr, 512, 0, 0))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no buffers are registered");
                assertQueueAsItWas(ring);

                BufferRegistrar a = table.tenant();
                BufferRegistrar b = table.tenant();
                int ia = a.register(java.util.List.of(one.slab()))[0];
                int ib = b.register(java.util.List.of(two.slab()))[0];
                assertThatThrownBy(() -> ring.nextSqe().bufIndex(FixedBuf.UNREGISTERED))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UNREGISTERED");
                assertQueueAsItWas(ring);
                assertThatThrownBy(() -> ring.nextSqe().readFixed(fd, addr, 512, 0, 3))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("buffer index 3 is empty");
                assertThatThrownBy(() -> ring.nextSqe().readFixed(fd, addr, 512, 0, 9))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("past the ring's table of 4");
                assertThatThrownBy(() -> ring.nextSqe().readFixed(fd, two.address(0), 512, 0, ia))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside registered buffer " + ia);
                assertQueueAsItWas(ring);
                assertThat(ring.registeredBufferIndex(two.segment(1))).isEqualTo(ib);

                a.close(); // its slot is emptied; b's stays
                assertThatThrownBy(() -> ring.nextSqe().readFixed(fd, one, 0, 512, 0, ia))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("buffer index " + ia + " is empty");
                assertQueueAsItWas(ring);
                ring.nextSqe().readFixed(fd, two, 0, 512, 0, ib).userData(5);
                Cqe cqe = new Cqe();
                assertThat(ring.waitCqe(cqe, 5_000_000_000L)).isZero();
                assertThat(cqe.res()).isEqualTo(512);
                b.close();
            } finally {
                TestNet.close(fd);
            }
        }
    }

    @Test
    void aPreparationThatFailsLeavesTheQueueAsItWas() throws Exception {
        try (IoUring ring = IoUring.open(4); BufferPool pool = BufferPool.create(Tier.MEDIUM, 4)) {
            ring.register().buffers(pool);
            int fd = file();
            try {
                assertThatThrownBy(() -> ring.nextSqe().readFixed(fd, pool, 99, 512, 0, 0))
                        .isInstanceOf(IndexOutOfBoundsException.class);
                assertQueueAsItWas(ring);
                assertThatThrownBy(() -> ring.nextSqe().read(fd, MemorySegment.ofArray(new byte[8]), 0))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heap");
                assertQueueAsItWas(ring);
                assertThatThrownBy(() -> ring.nextSqe().writeFixed(fd, pool, 0, Tier.MEDIUM.size() + 1, 0, 0))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MEDIUM");
                assertQueueAsItWas(ring);
                assertThat(ring.inFlight()).isZero();
            } finally {
                TestNet.close(fd);
            }
        }
    }

    @Test
    void theRingsQueueMappingsAreCountedByTheMemoryBudget() {
        long before = MemoryBudget.used();
        IoUring ring = IoUring.open(64);
        long during = MemoryBudget.used();
        // SQE array alone: 64 x 64 bytes; the SQ/CQ rings: at least 128 CQEs of 16 bytes
        assertThat(during - before).isGreaterThanOrEqualTo(64 * 64 + 128 * 16);
        ring.close();
        assertThat(MemoryBudget.used()).isEqualTo(before);
    }
}
