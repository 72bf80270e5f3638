package dev.iobuf.uring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Getting SQEs, filling them, submitting and reaping allocate nothing once compiled. Measured with
 * the thread's allocation counter over windows of 32,000 operations; a window of less than 1 KiB
 * means no per-operation allocation (a single 16-byte object per operation would be 500 KiB), and
 * code that allocates per operation never produces such a window, however long it runs.
 */
@Timeout(120)
class HotPathAllocationTest {
    private long sum;

    @Test
    void submitAndReapAllocateNothingPerOperation() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        try (IoUring ring = IoUring.builder().entries(64).open()) {
            CqeHandler handler = (u, r, f) -> sum += u + r;
            Cqe cqe = new Cqe();
            for (int i = 0; i < 20_000; i++) {
                round(ring, handler, cqe);
            }
            // Compilation happens in the background and can be late on a busy 2-core machine:
            // measure windows until one is clean, for at most 10 s.
            long best = Long.MAX_VALUE;
            long giveUp = System.nanoTime() + 10_000_000_000L;
            while (best >= 1024 && System.nanoTime() < giveUp) {
                long before = mx.getThreadAllocatedBytes(tid);
                for (int i = 0; i < 1000; i++) {
                    round(ring, handler, cqe);
                }
                best = Math.min(best, mx.getThreadAllocatedBytes(tid) - before);
            }
            assertThat(best).as("bytes allocated by 32,000 submit+reap operations").isLessThan(1024);
            assertThat(sum).isPositive();
        }
    }

    private void round(IoUring ring, CqeHandler handler, Cqe cqe) {
        for (int j = 0; j < 31; j++) {
            ring.nextSqe().nop().userData(j);
        }
        ring.nextSqe().nop().userData(31);
        ring.submitAndWait(32);
        ring.peekCqe(cqe);
        sum += cqe.userData();
        ring.forEachCqe(handler);
    }
}
