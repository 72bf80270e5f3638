package dev.iobuf.uring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.BitSet;

import static org.assertj.core.api.Assertions.assertThat;

/** A CQ far too small for the work: the kernel holds completions back and none is lost. */
@Timeout(60)
class CqOverflowTest {
    private static final int TOTAL = 5000;

    @Test
    void thousandsOfNopsThroughATinyCqLoseNothing() {
        try (IoUring ring = IoUring.builder().entries(8).cqEntries(8).open()) {
            assertThat(ring.features() & Feature.NODROP).isNotZero();
            BitSet seen = new BitSet(TOTAL);
            int[] duplicates = {0};
            CqeHandler h = (u, r, f) -> {
                assertThat(r).isZero();
                if (seen.get((int) u)) {
                    duplicates[0]++;
                }
                seen.set((int) u);
            };
            int queued = 0;
            while (queued < TOTAL) {
                Sqe sqe = ring.nextSqe();
                if (sqe == null) {
                    int rc = ring.submit();
                    if (rc < 0) {
                        assertThat(rc).as("submit: %s", Errno.describe(rc)).isIn(-Errno.EBUSY, -Errno.EAGAIN);
                        ring.forEachCqe(h);
                    }
                    continue;
                }
                sqe.nop().userData(queued++);
            }
            ring.submit();
            // Everything was submitted without reaping: the CQ is full, the rest waits in the overflow list.
            assertThat(ring.cqReady()).isEqualTo(ring.cqEntries());
            int reaped = 0;
            for (int spins = 0; seen.cardinality() < TOTAL && spins < 100_000; spins++) {
                reaped += ring.forEachCqe(h);
                if (seen.cardinality() < TOTAL) {
                    ring.submitAndWait(1, 10_000_000L);
                }
            }
            assertThat(duplicates[0]).isZero();
            assertThat(seen.cardinality()).isEqualTo(TOTAL);
            assertThat(reaped).isLessThanOrEqualTo(TOTAL);
        }
    }

    @Test
    void overflowIsFetchedByPeekToo() {
        try (IoUring ring = IoUring.builder().entries(4).cqEntries(4).open()) {
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < 4; i++) {
                    ring.nextSqe().nop().userData(round * 4 + i);
                }
                assertThat(ring.submit()).isEqualTo(4);
            }
            Cqe cqe = new Cqe();
            BitSet seen = new BitSet();
            while (ring.peekCqe(cqe)) {
                seen.set((int) cqe.userData());
            }
            assertThat(seen.cardinality()).isEqualTo(16);
        }
    }
}
