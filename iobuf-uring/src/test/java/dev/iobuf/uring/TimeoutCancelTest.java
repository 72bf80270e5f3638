package dev.iobuf.uring;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Timeouts, linked timeouts, cancellation and the SQE flags that chain operations. */
@Timeout(30)
class TimeoutCancelTest {
    private static final long SECOND = 1_000_000_000L;
    private IoUring ring;
    private Arena arena;
    private int[] pair;
    private MemorySegment buf;

    @BeforeEach
    void open() throws Throwable {
        ring = IoUring.open(16);
        arena = Arena.ofConfined();
        pair = TestNet.socketPair();
        buf = arena.allocate(64);
    }

    @AfterEach
    void close() throws Throwable {
        ring.close();
        TestNet.close(pair[0]);
        TestNet.close(pair[1]);
        arena.close();
    }

    private MemorySegment timespec(long nanos) {
        MemorySegment ts = Timespec.allocate(arena);
        Timespec.set(ts, nanos);
        return ts;
    }

    /** Waits for exactly {@code n} completions; returns userData -> res. */
    private Map<Long, Integer> reap(int n) {
        Map<Long, Integer> results = new HashMap<>();
        Cqe cqe = new Cqe();
        while (results.size() < n) {
            assertThat(ring.waitCqe(cqe, 10 * SECOND)).as("waiting for completion %d of %d", results.size() + 1, n).isZero();
            assertThat(results.put(cqe.userData(), cqe.res())).as("duplicate %s", cqe).isNull();
        }
        return results;
    }

    @Test
    void timeoutExpiresWithEtime() {
        ring.nextSqe().timeout(timespec(5_000_000L).address(), 0, 0).userData(1);
        assertThat(reap(1)).containsEntry(1L, -Errno.ETIME);
    }

    @Test
    void countedTimeoutCompletesAfterOtherCompletions() {
        ring.nextSqe().timeout(timespec(10 * SECOND).address(), 1, 0).userData(1);
        ring.nextSqe().nop().userData(2);
        assertThat(reap(2)).containsEntry(1L, 0).containsEntry(2L, 0);
    }

    @Test
    void linkedTimeoutCancelsASlowOperation() {
        ring.nextSqe().recv(pair[0], buf, 0).userData(1).link();
        ring.nextSqe().linkTimeout(timespec(10_000_000L).address(), 0).userData(2);
        assertThat(reap(2)).containsEntry(1L, -Errno.ECANCELED).containsEntry(2L, -Errno.ETIME);
    }

    @Test
    void linkedTimeoutIsCancelledWhenTheOperationIsFast() {
        ring.nextSqe().nop().userData(1).link();
        ring.nextSqe().linkTimeout(timespec(10 * SECOND).address(), 0).userData(2);
        assertThat(reap(2)).containsEntry(1L, 0).containsEntry(2L, -Errno.ECANCELED);
    }

    @Test
    void timeoutRemove() {
        ring.nextSqe().timeout(timespec(30 * SECOND).address(), 0, 0).userData(1);
        ring.submit();
        ring.nextSqe().timeoutRemove(1, 0).userData(2);
        assertThat(reap(2)).containsEntry(1L, -Errno.ECANCELED).containsEntry(2L, 0);
    }

    @Test
    void cancelByUserData() {
        ring.nextSqe().recv(pair[0], buf, 0).userData(1);
        ring.submit();
        ring.nextSqe().cancel(1, 0).userData(2);
        assertThat(reap(2)).containsEntry(1L, -Errno.ECANCELED).containsEntry(2L, 0);
        ring.nextSqe().cancel(12345, 0).userData(3);
        assertThat(reap(1)).containsEntry(3L, -Errno.ENOENT);
    }

    @Test
    void cancelByFdAll() {
        ring.nextSqe().recv(pair[0], buf, 0).userData(1);
        ring.nextSqe().recv(pair[0], buf, 0).userData(2);
        ring.nextSqe().recv(pair[1], buf, 0).userData(3);
        ring.submit();
        ring.nextSqe().cancelFd(pair[0], OpFlags.CANCEL_ALL).userData(4);
        assertThat(reap(3)).containsEntry(1L, -Errno.ECANCELED).containsEntry(2L, -Errno.ECANCELED)
                .containsEntry(4L, 2);
        ring.nextSqe().cancelAll().userData(5);
        assertThat(reap(2)).containsEntry(3L, -Errno.ECANCELED).containsEntry(5L, 1);
    }

    @Test
    void failedLinkCancelsTheRestButHardlinkGoesOn() {
        ring.nextSqe().read(987_654, buf, 0).userData(1).link();
        ring.nextSqe().nop().userData(2);
        assertThat(reap(2)).containsEntry(1L, -Errno.EBADF).containsEntry(2L, -Errno.ECANCELED);
        ring.nextSqe().read(987_654, buf, 0).userData(3).hardlink();
        ring.nextSqe().nop().userData(4);
        assertThat(reap(2)).containsEntry(3L, -Errno.EBADF).containsEntry(4L, 0);
    }

    @Test
    void skipSuccessPostsNoCompletionForSuccess() {
        ring.nextSqe().nop().userData(1).skipSuccess();
        ring.nextSqe().read(987_654, buf, 0).userData(2).skipSuccess();
        ring.nextSqe().nop().userData(3).drain();
        ring.submitAndWait(2);
        Map<Long, Integer> got = reap(2);
        assertThat(got).containsOnlyKeys(2L, 3L).containsEntry(2L, -Errno.EBADF);
        assertThat(ring.waitCqe(new Cqe(), 20_000_000L)).isEqualTo(-Errno.ETIME);
    }

    @Test
    void asyncFlagStillCompletes() {
        ring.nextSqe().nop().userData(1).async();
        assertThat(reap(1)).containsEntry(1L, 0);
    }
}
