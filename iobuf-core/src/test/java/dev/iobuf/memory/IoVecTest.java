package dev.iobuf.memory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IoVecTest {

    @Test
    void entriesAreNativeIovecStructs() {
        MemorySegment a = AlignedMemory.allocate(100, 64);
        MemorySegment b = AlignedMemory.allocate(7, 8);
        IoVec v = IoVec.of(a, b);
        assertThat(IoVec.BYTES).isEqualTo(16);
        assertThat(v.count()).isEqualTo(2);
        assertThat(v.totalLength()).isEqualTo(107);
        MemorySegment raw = v.segment();
        assertThat(raw.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(a.address());
        assertThat(raw.get(ValueLayout.JAVA_LONG, 8)).isEqualTo(100);
        assertThat(raw.get(ValueLayout.JAVA_LONG, 16)).isEqualTo(b.address());
        assertThat(raw.get(ValueLayout.JAVA_LONG, 24)).isEqualTo(7);
        assertThat(v.address()).isEqualTo(raw.address());
    }

    @Test
    void misuseIsRejected() {
        IoVec v = IoVec.allocate(1);
        v.add(AlignedMemory.allocate(8, 8));
        assertThatThrownBy(() -> v.add(AlignedMemory.allocate(8, 8))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> v.add(MemorySegment.ofArray(new byte[4]))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IoVec.allocate(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> v.set(1, 0, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        v.clear();
        assertThat(v.count()).isZero();
        try (Arena arena = Arena.ofConfined()) {
            v.add(arena.allocate(3));
            assertThat(v.length(0)).isEqualTo(3);
        }
    }
}
