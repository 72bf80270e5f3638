package dev.iobuf.uring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
class EventFdTest {
    @Test
    void registeredEventFdIsSignalledOnCompletion() {
        try (IoUring ring = IoUring.open(8); EventFd efd = EventFd.create()) {
            assertThat(efd.drain()).isZero();
            ring.register().eventFd(efd);
            ring.nextSqe().nop().userData(1);
            ring.submitAndWait(1);
            assertThat(efd.drain()).isGreaterThanOrEqualTo(1);
            ring.register().unregisterEventFd();
            ring.forEachCqe((u, r, f) -> { });
            ring.nextSqe().nop().userData(2);
            ring.submitAndWait(1);
            assertThat(efd.drain()).isZero();
        }
    }

    @Test
    void signalFromAnotherThreadWakesABlockedWait() throws Exception {
        try (IoUring ring = IoUring.open(8); EventFd efd = EventFd.create()) {
            ring.nextSqe().pollAddMultishot(efd.fd(), OpFlags.POLLIN).userData(99);
            ring.submit();
            Thread waker = new Thread(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
                efd.signal();
            });
            waker.start();
            Cqe cqe = new Cqe();
            assertThat(ring.waitCqe(cqe)).isZero();
            waker.join(10_000);
            assertThat(cqe.userData()).isEqualTo(99);
            assertThat(cqe.res() & OpFlags.POLLIN).isNotZero();
            assertThat(cqe.hasMore()).isTrue();
            assertThat(efd.drain()).isEqualTo(1);
        }
    }

    @Test
    void signalAfterCloseIsEbadf() {
        EventFd efd = EventFd.create();
        efd.close();
        efd.close();
        assertThat(efd.signal()).isEqualTo(-Errno.EBADF);
    }
}
