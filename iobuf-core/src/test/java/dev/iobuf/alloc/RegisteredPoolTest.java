package dev.iobuf.alloc;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RegisteredPoolTest {
    private static final long K = 1024;

    private static BuddyPool smallBuddy(String name) {
        return BuddyPool.builder().name(name).arenaSize(256 * K).minBlockSize(4 * K).hugePages(false).build();
    }

    /** The address a kernel would compute from (buf_index, offset) must be the handle's address. */
    private static void assertAddressable(FixedBuf buf, RecordingRegistrar reg) {
        MemorySegment region = reg.table.get(buf.bufferIndex());
        assertThat(buf.bufferOffset()).isBetween(0L, region.byteSize() - buf.capacity());
        assertThat(region.address() + buf.bufferOffset()).isEqualTo(buf.address());
    }

    @Test
    void handlesCarryTheRegisteredIndexAndOffsetOfTheirRegion() {
        RecordingRegistrar reg = new RecordingRegistrar();
        try (RegisteredPool pool = RegisteredPool.builder(reg, () -> SlabPool.builder().name("slab")
                        .sizeClass(4 * K, 4).sizeClass(16 * K, 2)
                        .oversizeToBuddy(BuddyPool.builder().name("fb").arenaSize(1024 * K).hugePages(false))
                        .hugePages(false).build())
                .name("net").leakDetector(LeakDetector.off()).build()) {
            assertThat(reg.calls).hasSize(1);
            assertThat(reg.calls.getFirst()).hasSize(2); // slab arena + buddy fallback arena, registered at once
            assertThat(pool.registeredIndices(0)).containsExactly(0, 1);
            List<FixedBuf> bufs = new ArrayList<>();
            for (long size : new long[] {1, 4 * K, 5 * K, 16 * K, 64 * K, 200 * K}) {
                FixedBuf b = pool.allocate(size);
                assertThat(b.isRegistered()).isTrue();
                assertThat(b.capacity()).isGreaterThanOrEqualTo(size);
                assertAddressable(b, reg);
                bufs.add(b);
            }
            assertThat(bufs).extracting(FixedBuf::bufferIndex).containsExactly(0, 0, 0, 0, 1, 1);
            assertThat(bufs.get(0).bufferOffset()).isZero();
            assertThat(bufs.get(2).bufferOffset()).isEqualTo(16 * K); // first 16 KiB block, after 4 x 4 KiB
            bufs.forEach(FixedBuf::close);
            pool.assertNoOutstanding();
        }
        assertThat(reg.isRegistered()).isFalse();
        assertThat(reg.unregisterCalls).isEqualTo(1);
    }

    @Test
    void growthRegistersOnlyTheNewArena() {
        RecordingRegistrar reg = new RecordingRegistrar();
        List<BuddyPool> made = new ArrayList<>();
        try (RegisteredPool pool = RegisteredPool.builder(reg, () -> {
                    BuddyPool p = smallBuddy("arena" + made.size());
                    made.add(p);
                    return p;
                }).name("grow").maxArenas(3).leakDetector(LeakDetector.off()).build()) {
            FixedBuf a = pool.allocate(256 * K);
            assertThat(made).hasSize(1);
            FixedBuf b = pool.allocate(256 * K); // arena 0 full: grow
            FixedBuf c = pool.allocate(256 * K); // grow again
            assertThat(made).hasSize(3);
            assertThat(pool.arenas()).containsExactlyElementsOf(made);
            assertThat(reg.calls).hasSize(3);
            for (int i = 0; i < 3; i++) {
                assertThat(reg.calls.get(i)).as("call %d registers arena %d alone", i, i)
                        .containsExactly(made.get(i).regions().getFirst());
                assertThat(pool.registeredIndices(i)).containsExactly(i);
            }
            assertThat(List.of(a, b, c)).extracting(FixedBuf::bufferIndex).containsExactly(0, 1, 2);
            for (FixedBuf buf : List.of(a, b, c)) {
                assertAddressable(buf, reg);
            }
            assertThat(pool.tryAllocate(4 * K)).isNull();
            assertThatThrownBy(() -> pool.allocate(4 * K)).isInstanceOf(PoolExhaustedException.class)
                    .hasMessageContaining("raise maxArenas");
            assertThatThrownBy(() -> pool.allocate(512 * K)).isInstanceOf(PoolExhaustedException.class)
                    .hasMessageContaining("larger than the largest block");
            assertThat(reg.calls).hasSize(3); // failing requests did not grow past the limit
            b.close();
            FixedBuf again = pool.allocate(4 * K);
            assertThat(again.bufferIndex()).isEqualTo(1);
            again.close();
            a.close();
            c.close();
        }
        assertThat(made).allSatisfy(p -> assertThat(p.isClosed()).isTrue());
    }

    @Test
    void aFailedRegistrationOfTheNewArenaUnmapsItAndLeavesThePoolWorking() {
        RecordingRegistrar reg = new RecordingRegistrar();
        List<BuddyPool> made = new ArrayList<>();
        try (RegisteredPool pool = RegisteredPool.builder(reg, () -> {
                    BuddyPool p = smallBuddy("arena" + made.size());
                    made.add(p);
                    return p;
                }).maxArenas(2).leakDetector(LeakDetector.off()).build()) {
            FixedBuf a = pool.allocate(256 * K);
            reg.failNextAdd = new IllegalStateException("io_uring_register: ENOMEM");
            assertThatThrownBy(() -> pool.allocate(4 * K)).hasMessageContaining("ENOMEM");
            assertThat(made).hasSize(2);
            assertThat(made.get(1).isClosed()).isTrue();
            assertThat(pool.arenas()).hasSize(1);
            FixedBuf b = pool.allocate(4 * K); // grows now that the registrar works
            assertThat(b.bufferIndex()).isEqualTo(1);
            a.close();
            b.close();
        }
    }

    @Test
    void registeringTwiceOrOnAClosedRegistrarIsAnError() {
        RecordingRegistrar reg = new RecordingRegistrar();
        List<BuddyPool> made = new ArrayList<>();
        try (RegisteredPool first = RegisteredPool.builder(reg, () -> smallBuddy("one")).build()) {
            assertThatThrownBy(() -> RegisteredPool.builder(reg, () -> {
                BuddyPool p = smallBuddy("two");
                made.add(p);
                return p;
            }).build()).isInstanceOf(IllegalStateException.class).hasMessageContaining("already registered");
            assertThat(made.getFirst().isClosed()).as("the arena of the failed pool is unmapped").isTrue();
            assertThat(first.allocate(1).bufferIndex()).isZero();
            assertThatThrownBy(() -> reg.register(first.arenas().getFirst().regions()))
                    .isInstanceOf(IllegalStateException.class);
        }
        assertThatThrownBy(() -> new RecordingRegistrar().add(List.of())).isInstanceOf(IllegalStateException.class);
        RecordingRegistrar closed = new RecordingRegistrar();
        closed.close();
        assertThatThrownBy(() -> RegisteredPool.builder(closed, () -> smallBuddy("three")).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void oversizeBlocksOfASlabArenaAreHandedOutAsUnregistered() {
        RecordingRegistrar reg = new RecordingRegistrar();
        try (RegisteredPool pool = RegisteredPool.builder(reg, () -> SlabPool.builder().sizeClass(4 * K, 2)
                .oversize(OversizePolicy.UNREGISTERED).hugePages(false).build()).leakDetector(LeakDetector.off()).build()) {
            FixedBuf big = pool.allocate(1024 * K);
            assertThat(big.isRegistered()).isFalse();
            assertThat(big.bufferIndex()).isEqualTo(FixedBuf.UNREGISTERED);
            assertThat(big.bufferOffset()).isEqualTo(FixedBuf.UNREGISTERED);
            assertThat(big.capacity()).isEqualTo(1024 * K);
            big.segment().set(ValueLayout.JAVA_INT, 0, 1);
            assertThat(big.toString()).contains("unregistered");
            big.close();
            pool.assertNoOutstanding();
        }
    }

    @Test
    void closingThePoolUnregistersUnmapsAndDisarmsOpenHandles() {
        RecordingRegistrar reg = new RecordingRegistrar();
        RegisteredPool pool = RegisteredPool.builder(reg, () -> smallBuddy("c")).leakDetector(LeakDetector.off()).build();
        FixedBuf open = pool.allocate(4 * K);
        MemorySegment seg = open.segment();
        pool.close();
        pool.close();
        assertThat(pool.isClosed()).isTrue();
        assertThat(reg.isRegistered()).isFalse();
        assertThatThrownBy(() -> seg.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
        open.close(); // harmless after the pool is gone
        assertThatThrownBy(open::close).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.allocate(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        pool.assertNoOutstanding();
    }
}
