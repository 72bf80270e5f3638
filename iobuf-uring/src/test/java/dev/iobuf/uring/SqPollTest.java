package dev.iobuf.uring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.BitSet;

import static org.assertj.core.api.Assertions.assertThat;

/** SQPOLL: the kernel thread consumes the SQ; submit wakes it when it went to sleep. */
@Timeout(60)
class SqPollTest {
    @Test
    void submissionsArriveThroughTheKernelThreadIncludingAfterItSlept() throws InterruptedException {
        try (IoUring ring = IoUring.builder().entries(32).sqPoll(1).open()) {
            assertThat(ring.setupFlags() & SetupFlags.SQPOLL).isNotZero();
            BitSet seen = new BitSet();
            int id = 0;
            for (int round = 0; round < 20; round++) {
                for (int i = 0; i < 16; i++) {
                    ring.nextSqeBlocking().nop().userData(id++);
                }
                assertThat(ring.submit()).isGreaterThanOrEqualTo(0);
                int want = id;
                Cqe cqe = new Cqe();
                while (seen.cardinality() < want) {
                    assertThat(ring.waitCqe(cqe, 5_000_000_000L)).isZero();
                    seen.set((int) cqe.userData());
                }
                if (round % 5 == 0) {
                    Thread.sleep(20); // let the poller exceed its 1 ms idle time and sleep (NEED_WAKEUP)
                }
            }
            assertThat(seen.cardinality()).isEqualTo(id);
        }
    }

    @Test
    void blockingSqeWaitsForRoomUnderSqPoll() {
        try (IoUring ring = IoUring.builder().entries(4).cqEntries(1024).sqPoll(10).open()) {
            for (int i = 0; i < 200; i++) {
                ring.nextSqeBlocking().nop().userData(i);
                ring.submit();
            }
            BitSet seen = new BitSet();
            Cqe cqe = new Cqe();
            while (seen.cardinality() < 200) {
                assertThat(ring.waitCqe(cqe, 5_000_000_000L)).isZero();
                seen.set((int) cqe.userData());
            }
        }
    }
}
