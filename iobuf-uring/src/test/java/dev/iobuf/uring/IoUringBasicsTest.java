package dev.iobuf.uring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @Test
    void batchOfCompletionsIsHandedOverOnce() {
        try (IoUring ring = IoUring.open(64)) {
            for (int i = 0; i < 32; i++) {
                ring.nextSqe().nop().userData(1000 + i);
            }
            assertThat(ring.submitAndWait(32)).isEqualTo(32);
            assertThat(ring.cqReady()).isEqualTo(32);
            Set<Long> seen = new HashSet<>();
            assertThat(ring.forEachCqe((u, r, f) -> assertThat(seen.add(u)).isTrue(), 10)).isEqualTo(10);
            assertThat(ring.forEachCqe((u, r, f) -> assertThat(seen.add(u)).isTrue())).isEqualTo(22);
            assertThat(seen).hasSize(32).allMatch(u -> u >= 1000 && u < 1032);
            assertThat(ring.cqReady()).isZero();
        }
    }

    @Test
    void throwingHandlerConsumesItsCompletionOnly() {
        try (IoUring ring = IoUring.open(8)) {
            for (int i = 0; i < 3; i++) {
                ring.nextSqe().nop().userData(i);
            }
            ring.submitAndWait(3);
            List<Long> seen = new ArrayList<>();
            assertThatThrownBy(() -> ring.forEachCqe((u, r, f) -> {
                seen.add(u);
                throw new IllegalArgumentException("boom");
            })).isInstanceOf(IllegalArgumentException.class);
            ring.forEachCqe((u, r, f) -> seen.add(u));
            assertThat(seen).containsExactly(0L, 1L, 2L);
        }
    }

    @Test
    void fullSqGivesNullAndTheBlockingVariantMakesRoom() {
        try (IoUring ring = IoUring.open(4)) {
            for (int i = 0; i < 4; i++) {
                assertThat(ring.nextSqe()).isNotNull().extracting(s -> s.nop().userData(9)).isNotNull();
            }
            assertThat(ring.nextSqe()).isNull();
            assertThat(ring.sqSpaceLeft()).isZero();
            ring.nextSqeBlocking().nop().userData(9);
            ring.submitAndWait(5);
            assertThat(ring.forEachCqe((u, r, f) -> assertThat(u).isEqualTo(9))).isEqualTo(5);
        }
    }

    @Test
    void badFdIsANegativeResultNotAnException() {
        try (IoUring ring = IoUring.open(4)) {
            var buf = java.lang.foreign.Arena.ofAuto().allocate(16);
            ring.nextSqe().read(987_654, buf, 0).userData(5);
            Cqe cqe = new Cqe();
            assertThat(ring.waitCqe(cqe)).isZero();
            assertThat(cqe.res()).isEqualTo(-Errno.EBADF);
            assertThat(cqe.userData()).isEqualTo(5);
        }
    }

    @Test
    void closedRingThrowsIllegalStateNeverCrashes() {
        IoUring ring = IoUring.open(4);
        ring.close();
        ring.close();
        assertThat(ring.isClosed()).isTrue();
        Cqe cqe = new Cqe();
        assertThatThrownBy(ring::nextSqe).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(ring::submit).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ring.submitAndWait(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ring.forEachCqe((u, r, f) -> { })).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ring.peekCqe(cqe)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ring.waitCqe(cqe)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ring.supports(Opcode.NOP)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(ring::register).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closingWithWorkInFlightCancelsAndReturns() throws Throwable {
        int[] pair = TestNet.socketPair();
        try {
            IoUring ring = IoUring.open(8);
            var buf = java.lang.foreign.Arena.ofAuto().allocate(64);
            Register reg = ring.register();
            for (int i = 0; i < 4; i++) {
                ring.nextSqe().recv(pair[0], buf, 0).userData(i);
            }
            assertThat(ring.submit()).isEqualTo(4);
            assertThat(reg).isNotNull();
            ring.close();
            assertThat(ring.isClosed()).isTrue();
            // The cancelled receives are gone: data sent now reaches a new reader, not a stale one.
            TestNet.write(pair[1], java.lang.foreign.Arena.ofAuto().allocateFrom("x"));
            try (IoUring other = IoUring.open(4)) {
                other.nextSqe().recv(pair[0], buf, 0).userData(9);
                Cqe cqe = new Cqe();
                assertThat(other.waitCqe(cqe, 5_000_000_000L)).isZero();
                assertThat(cqe.res()).isEqualTo(2);
                assertThat(buf.getString(0)).isEqualTo("x");
            }
        } finally {
            TestNet.close(pair[0]);
            TestNet.close(pair[1]);
        }
    }

    @Test
    void probeReportsSupportedOpcodes() {
        try (IoUring ring = IoUring.open(4)) {
            assertThat(ring.supports(Opcode.NOP)).isTrue();
            assertThat(ring.supports(Opcode.READ)).isTrue();
            assertThat(ring.supports(Opcode.ASYNC_CANCEL)).isTrue();
            assertThat(ring.supports(250)).isFalse();
            assertThat(ring.supports(-1)).isFalse();
        }
    }

    @Test
    void timedWaitsTimeOutWithEtime() {
        try (IoUring ring = IoUring.open(4)) {
            Cqe cqe = new Cqe();
            assertThat(ring.waitCqe(cqe, 20_000_000L)).isEqualTo(-Errno.ETIME);
            assertThat(ring.submitAndWait(1, 5_000_000L)).isEqualTo(-Errno.ETIME);
            ring.nextSqe().nop().userData(3);
            assertThat(ring.waitCqe(cqe, 5_000_000_000L)).isZero();
            assertThat(cqe.userData()).isEqualTo(3);
        }
    }

    @Test
    void opcodeNames() {
        assertThat(Opcode.name(Opcode.SEND_ZC)).isEqualTo("SEND_ZC");
        assertThat(Opcode.name(Opcode.PIPE)).isEqualTo("PIPE");
        assertThat(Opcode.name(200)).isEqualTo("opcode 200");
    }
}
