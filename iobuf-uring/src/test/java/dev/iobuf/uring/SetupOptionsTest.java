package dev.iobuf.uring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
class SetupOptionsTest {
    private static void nopsWork(IoUring ring) {
        for (int i = 0; i < 3; i++) {
            ring.nextSqe().nop().userData(i);
        }
        assertThat(ring.submitAndWait(3)).isEqualTo(3);
        long[] sum = {0};
        int n = 0;
        while (n < 3) {
            n += ring.forEachCqe((u, r, f) -> sum[0] += u + r);
            if (n < 3) {
                ring.submitAndWait(1);
            }
        }
        assertThat(sum[0]).isEqualTo(3);
    }

    private static void check(UnaryOperator<IoUringBuilder> options, int expectedFlags) {
        try (IoUring ring = options.apply(IoUring.builder().entries(8)).open()) {
            assertThat(ring.setupFlags() & expectedFlags).isEqualTo(expectedFlags);
            nopsWork(ring);
        }
    }

    @Test
    void eachSupportedFlagCombinationWorks() {
        check(b -> b, SetupFlags.NO_SQARRAY);
        check(b -> b.noSqArray(false), 0);
        check(IoUringBuilder::singleIssuer, SetupFlags.SINGLE_ISSUER);
        check(IoUringBuilder::deferTaskrun, SetupFlags.SINGLE_ISSUER | SetupFlags.DEFER_TASKRUN | SetupFlags.TASKRUN_FLAG);
        check(IoUringBuilder::coopTaskrun, SetupFlags.COOP_TASKRUN);
        check(b -> b.coopTaskrun().taskrunFlag(), SetupFlags.COOP_TASKRUN | SetupFlags.TASKRUN_FLAG);
        check(IoUringBuilder::submitAll, SetupFlags.SUBMIT_ALL);
        check(b -> b.cqEntries(1000), SetupFlags.CQSIZE);
    }

    @Test
    void noSqArrayIsOffWhenNotAsked() {
        try (IoUring ring = IoUring.builder().noSqArray(false).open()) {
            assertThat(ring.setupFlags() & SetupFlags.NO_SQARRAY).isZero();
        }
    }

    @Test
    void cqSizeIsRoundedUp() {
        try (IoUring ring = IoUring.builder().entries(8).cqEntries(1000).open()) {
            assertThat(ring.cqEntries()).isEqualTo(1024);
        }
    }

    @Test
    void clampLimitsEntriesInsteadOfFailing() {
        try (IoUring ring = IoUring.builder().entries(65536).clamp().open()) {
            assertThat(ring.sqEntries()).isEqualTo(IoUringBuilder.MAX_ENTRIES);
        }
    }

    @Test
    void tooManyEntriesFailWithAdvice() {
        assertThatThrownBy(() -> IoUring.builder().entries(65536).open())
                .isInstanceOf(IoUringException.class)
                .hasMessageContaining("io_uring_setup(entries=65536")
                .hasMessageContaining("EINVAL")
                .hasMessageContaining("clamp()");
    }

    @Test
    void disabledRingRunsOnlyAfterEnable() {
        try (IoUring ring = IoUring.builder().entries(8).singleIssuer().disabled().open()) {
            ring.nextSqe().nop().userData(1);
            assertThat(ring.submit()).isEqualTo(-Errno.EBADFD);
            ring.enable();
            assertThat(ring.submitAndWait(1)).isEqualTo(1);
            Cqe cqe = new Cqe();
            assertThat(ring.peekCqe(cqe)).isTrue();
            assertThat(cqe.userData()).isEqualTo(1);
            assertThatThrownBy(ring::enable).isInstanceOf(IoUringException.class).hasMessageContaining("ENABLE_RINGS");
        }
    }

    @Test
    void singleIssuerRefusesASecondThread() throws Exception {
        try (IoUring ring = IoUring.builder().entries(8).singleIssuer().open()) {
            nopsWork(ring);
            int[] rc = new int[1];
            Thread t = new Thread(() -> {
                ring.nextSqe().nop();
                rc[0] = ring.submit();
            });
            t.start();
            t.join(10_000);
            assertThat(rc[0]).isEqualTo(-Errno.EEXIST);
        }
    }

    @Test
    void registeredRingFdIsUsedByItsThread() {
        try (IoUring ring = IoUring.open(8)) {
            int index = ring.register().ringFd();
            assertThat(index).isGreaterThanOrEqualTo(0);
            nopsWork(ring);
            assertThatThrownBy(() -> ring.register().ringFd()).isInstanceOf(IllegalStateException.class);
            ring.register().unregisterRingFd();
            nopsWork(ring);
        }
    }
}
