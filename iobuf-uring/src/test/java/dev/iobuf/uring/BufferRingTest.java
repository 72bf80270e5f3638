package dev.iobuf.uring;

import dev.iobuf.memory.AlignedMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Multishot receive from a provided-buffer ring: data, running dry (ENOBUFS), recycling, re-arming. */
@Timeout(30)
class BufferRingTest {
    private static final long TEN_SECONDS = 10_000_000_000L;
    private static final int SIZE = 64;
    private IoUring ring;
    private Arena arena;
    private int[] pair;
    private final Cqe cqe = new Cqe();

    @BeforeEach
    void open() throws Throwable {
        ring = IoUring.open(16);
        arena = Arena.ofConfined();
        pair = TestNet.socketPair();
    }

    @AfterEach
    void close() throws Throwable {
        ring.close();
        TestNet.close(pair[0]);
        TestNet.close(pair[1]);
        arena.close();
    }

    private Cqe next() {
        assertThat(ring.waitCqe(cqe, TEN_SECONDS)).isZero();
        return cqe;
    }

    private byte[] message(int k) {
        byte[] b = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            b[i] = (byte) (k * 31 + i);
        }
        return b;
    }

    private void send(int k) throws Throwable {
        assertThat(TestNet.write(pair[1], arena.allocateFrom(ValueLayout.JAVA_BYTE, message(k)))).isEqualTo(SIZE);
    }

    @Test
    void multishotRecvRunsDryWithEnobufsAndResumesAfterRecycleAndRearm() throws Throwable {
        MemorySegment slab = AlignedMemory.allocatePageAligned(4 * SIZE);
        try (BufferRing br = BufferRing.ofSlab(ring, 7, slab, SIZE, false)) {
            assertThat(br.count()).isEqualTo(4);
            assertThat(br.entries()).isEqualTo(4);
            ring.nextSqe().recvMultishot(pair[0], br.group(), 0).userData(1);
            ring.submit();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            int[] used = new int[4];
            for (int k = 0; k < 4; k++) {
                send(k);
                Cqe c = next();
                assertThat(c.userData()).isEqualTo(1);
                assertThat(c.res()).isEqualTo(SIZE);
                assertThat(c.hasMore()).isTrue();
                int bid = c.bufferId();
                assertThat(bid).isBetween(0, 3);
                used[k] = bid;
                got.writeBytes(br.buffer(bid).asSlice(0, c.res()).toArray(ValueLayout.JAVA_BYTE));
            }
            assertThat(used).containsExactlyInAnyOrder(0, 1, 2, 3);
            send(4);
            Cqe dry = next();
            assertThat(dry.res()).isEqualTo(-Errno.ENOBUFS);
            assertThat(dry.hasMore()).as("a multishot receive that ran dry is disarmed").isFalse();
            send(5);
            for (int bid : used) {
                br.recycle(bid);
            }
            ring.nextSqe().recvMultishot(pair[0], br.group(), 0).userData(2);
            ring.submit();
            while (got.size() < 6 * SIZE) {
                Cqe c = next();
                assertThat(c.userData()).isEqualTo(2);
                assertThat(c.res()).isPositive();
                int bid = c.bufferId();
                got.writeBytes(br.buffer(bid).asSlice(0, c.res()).toArray(ValueLayout.JAVA_BYTE));
                br.recycle(bid);
            }
            ByteArrayOutputStream want = new ByteArrayOutputStream();
            for (int k = 0; k < 6; k++) {
                want.writeBytes(message(k));
            }
            assertThat(got.toByteArray()).isEqualTo(want.toByteArray());
            ring.nextSqe().cancel(2, 0).userData(3);
            ring.submit();
        }
    }

    @Test
    void incrementalRingFillsOneBufferOverSeveralCompletions() throws Throwable {
        MemorySegment slab = AlignedMemory.allocatePageAligned(2 * 1024);
        try (BufferRing br = BufferRing.ofSlab(ring, 9, slab, 1024, true)) {
            assertThat(br.incremental()).isTrue();
            ring.nextSqe().recvMultishot(pair[0], br.group(), 0).userData(1);
            ring.submit();
            int offset = 0;
            int firstBid = -1;
            for (int k = 0; k < 3; k++) {
                byte[] msg = {(byte) k, (byte) (k + 1), (byte) (k + 2), 9, 9};
                assertThat(TestNet.write(pair[1], arena.allocateFrom(ValueLayout.JAVA_BYTE, msg))).isEqualTo(5);
                Cqe c = next();
                assertThat(c.res()).isEqualTo(5);
                assertThat(c.flags() & CqeFlags.BUF_MORE).as("the kernel keeps the buffer").isNotZero();
                if (firstBid < 0) {
                    firstBid = c.bufferId();
                }
                assertThat(c.bufferId()).isEqualTo(firstBid);
                assertThat(br.dataOffset(firstBid, c.res(), c.flags())).isEqualTo(offset);
                assertThat(br.buffer(firstBid).asSlice(offset, 5).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(msg);
                offset += 5;
            }
            int bid = firstBid;
            assertThatThrownBy(() -> br.recycle(bid)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("still being filled");
            // Fill the rest of the buffer: the kernel gives it back (no BUF_MORE), now it may be recycled.
            byte[] rest = new byte[1024 - offset];
            java.util.Arrays.fill(rest, (byte) 7);
            assertThat(TestNet.write(pair[1], arena.allocateFrom(ValueLayout.JAVA_BYTE, rest))).isEqualTo(rest.length);
            int got = 0;
            while (got < rest.length) {
                Cqe c = next();
                assertThat(c.res()).isPositive();
                if (c.bufferId() != firstBid) {
                    break; // the kernel moved on to the other buffer: this one was used up
                }
                assertThat(br.dataOffset(firstBid, c.res(), c.flags())).isEqualTo(offset + got);
                got += c.res();
                if ((c.flags() & CqeFlags.BUF_MORE) == 0) {
                    break;
                }
            }
            assertThat(got).isEqualTo(rest.length);
            br.recycle(firstBid); // no longer partial
        }
    }

    @Test
    void argumentsAreCheckedWithClearMessages() {
        assertThatThrownBy(() -> BufferRing.create(ring, 1, 3, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power-of-two");
        assertThatThrownBy(() -> BufferRing.create(ring, 1, 65536, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32768");
        assertThatThrownBy(() -> BufferRing.ofSlab(ring, 1, MemorySegment.ofArray(new byte[64]), 16, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heap");
        try (BufferRing br = BufferRing.create(ring, 3, 8, false)) {
            assertThatThrownBy(() -> BufferRing.create(ring, 3, 8, false))
                    .isInstanceOf(IoUringException.class).hasMessageContaining("EEXIST").hasMessageContaining("group 3");
            assertThatThrownBy(() -> br.recycle(0)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void addAndAdvanceFeedAnEmptyRing() throws Throwable {
        MemorySegment mem = AlignedMemory.allocatePageAligned(4096);
        try (BufferRing br = BufferRing.create(ring, 5, 2, false)) {
            br.add(40, mem.address(), 100);
            br.add(41, mem.address() + 100, 100);
            br.advance();
            ring.nextSqe().recvSelect(pair[0], 5, 0).userData(1);
            send(0);
            Cqe c = next();
            assertThat(c.res()).isEqualTo(SIZE);
            assertThat(c.bufferId()).isIn(40, 41);
            long at = c.bufferId() == 40 ? 0 : 100;
            assertThat(mem.asSlice(at, SIZE).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(message(0));
        }
    }
}
