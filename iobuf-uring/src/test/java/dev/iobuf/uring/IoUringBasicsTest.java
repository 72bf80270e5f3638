package dev.iobuf.uring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
class IoUringBasicsTest {
    @Test
    void nopRoundTrip() {
        try (IoUring ring = IoUring.open(8)) {
            assertThat(ring.sqEntries()).isEqualTo(8);
            assertThat(ring.cqEntries()).isEqualTo(16);
            assertThat(ring.features() & Feature.SINGLE_MMAP).isNotZero();
            ring.nextSqe().nop().userData(77);
            assertThat(ring.sqPending()).isEqualTo(1);
            assertThat(ring.submitAndWait(1)).isEqualTo(1);
            Cqe cqe = new Cqe();
            assertThat(ring.peekCqe(cqe)).isTrue();
            assertThat(cqe.userData()).isEqualTo(77);
            assertThat(cqe.res()).isZero();
            assertThat(ring.peekCqe(cqe)).isFalse();
        }
    }
}
