package dev.iobuf.uring;

import dev.iobuf.alloc.BufferRegistrar;
import dev.iobuf.alloc.BuddyPool;
import dev.iobuf.alloc.FixedBuf;
import dev.iobuf.alloc.LeakDetector;
import dev.iobuf.alloc.RegisteredPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A RegisteredPool on a real ring: handles carry kernel buffer indices that READ/WRITE_FIXED accept. */
@Timeout(30)
class IoUringBufferRegistrarTest {
    private static final long K = 1024;

    @TempDir
    Path dir;

    private static BuddyPool arena(String name) {
        return BuddyPool.builder().name(name).arenaSize(256 * K).minBlockSize(4 * K).hugePages(false).build();
    }

    @Test
    void registeredPoolServesFixedIoWithEveryByteChecked() throws Throwable {
        try (IoUring ring = IoUring.open(16);
             IoUringBufferRegistrar registrar = new IoUringBufferRegistrar(ring, 8);
             RegisteredPool pool = RegisteredPool.builder(registrar, () -> arena("fixed-io"))
                     .name("fixed-io").maxArenas(4).leakDetector(LeakDetector.paranoid(dev.iobuf.alloc.LeakListener.STDERR)).build()) {
            assertThat(registrar.isRegistered()).isTrue();
            int fd = TestNet.open(dir.resolve("fixed").toString(), TestNet.O_RDWR | TestNet.O_CREAT | TestNet.O_TRUNC);
            try {
                SplittableRandom rnd = new SplittableRandom(7);
                List<FixedBuf> written = new ArrayList<>();
                long fileOffset = 0;
                Cqe cqe = new Cqe();
                // more than one arena's worth, so the pool grows and registers a second arena
                for (int k = 0; k < 12; k++) {
                    long size = k < 5 ? 64 * K : 4 * K << rnd.nextInt(5); // 5 x 64 KiB outgrow one arena
                    FixedBuf buf = pool.allocate(size);
                    assertThat(buf.isRegistered()).isTrue();
                    MemorySegment seg = buf.segment();
                    for (long i = 0; i < size; i++) {
                        seg.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
                    }
                    ring.nextSqe().writeFixed(fd, buf.address(), (int) size, fileOffset, buf.bufferIndex()).userData(k);
                    assertThat(ring.waitCqe(cqe, 10_000_000_000L)).isZero();
                    assertThat(cqe.res()).isEqualTo((int) size);
                    fileOffset += size;
                    written.add(buf);
                }
                assertThat(pool.arenas()).hasSizeGreaterThan(1);
                assertThat(registrar.used()).isEqualTo(pool.arenas().size());
                long readOffset = 0;
                for (FixedBuf src : written) {
                    int size = (int) src.capacity();
                    try (FixedBuf dst = pool.allocate(size)) {
                        ring.nextSqe().readFixed(fd, dst.address(), size, readOffset, dst.bufferIndex()).userData(99);
                        assertThat(ring.waitCqe(cqe, 10_000_000_000L)).isZero();
                        assertThat(cqe.res()).isEqualTo(size);
                        assertThat(dst.segment().asSlice(0, size).mismatch(src.segment().asSlice(0, size))).isEqualTo(-1);
                    }
                    readOffset += size;
                }
                written.forEach(FixedBuf::close);
                pool.assertNoOutstanding();
            } finally {
                TestNet.close(fd);
            }
        }
    }

    @Test
    void misuseIsAnErrorNotASilentNoOp() {
        try (IoUring ring = IoUring.open(8)) {
            IoUringBufferRegistrar registrar = new IoUringBufferRegistrar(ring, 2);
            MemorySegment region;
            try (BuddyPool a = arena("misuse")) {
                region = a.regions().getFirst();
                assertThatThrownBy(() -> registrar.add(List.of(region))).isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(registrar::unregister).isInstanceOf(IllegalStateException.class);
                assertThat(registrar.register(List.of(region))).containsExactly(0);
                assertThatThrownBy(() -> registrar.register(List.of(region)))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already");
                assertThat(registrar.add(List.of(region))).containsExactly(1);
                assertThatThrownBy(() -> registrar.add(List.of(region)))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 slots");
                assertThatThrownBy(() -> registrar.update(5, region)).isInstanceOf(IllegalArgumentException.class);
                registrar.update(1, region);
                registrar.close();
                assertThat(registrar.isRegistered()).isFalse();
                assertThatThrownBy(() -> registrar.register(List.of(region))).isInstanceOf(IllegalStateException.class);
                registrar.close();
            }
        }
        IoUring closedRing = IoUring.open(8);
        closedRing.close();
        IoUringBufferRegistrar late = new IoUringBufferRegistrar(closedRing);
        assertThatThrownBy(() -> late.register(List.of(MemorySegment.NULL)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("ring");
    }

    @Test
    void tenantsShareOneTableAndEachUnregistersOnlyItsOwn() throws Throwable {
        try (IoUring ring = IoUring.open(16);
             IoUringBufferRegistrar table = new IoUringBufferRegistrar(ring, 8);
             BuddyPool a = arena("tenant-a");
             BuddyPool b = arena("tenant-b")) {
            BufferRegistrar first = table.tenant();
            BufferRegistrar second = table.tenant();
            int ia = first.register(a.regions())[0];   // registers the table
            int ib = second.register(b.regions())[0];  // adds to it: no "registered already"
            assertThat(ia).isNotEqualTo(ib);
            assertThatThrownBy(() -> first.register(a.regions())).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already");
            assertThatThrownBy(() -> second.update(ia, a.regions().getFirst())).isInstanceOf(IllegalArgumentException.class);
            int fd = TestNet.open(dir.resolve("tenants").toString(), TestNet.O_RDWR | TestNet.O_CREAT | TestNet.O_TRUNC);
            try {
                Cqe cqe = new Cqe();
                MemorySegment sa = a.regions().getFirst();
                MemorySegment sb = b.regions().getFirst();
                sa.asSlice(0, 4096).fill((byte) 'a');
                sb.asSlice(0, 4096).fill((byte) 'b');
                ring.nextSqe().writeFixed(fd, sa.address(), 4096, 0, ia).userData(1);
                assertThat(ring.waitCqe(cqe, 10_000_000_000L)).isZero();
                assertThat(cqe.res()).isEqualTo(4096);
                ring.nextSqe().writeFixed(fd, sb.address(), 4096, 4096, ib).userData(2);
                assertThat(ring.waitCqe(cqe, 10_000_000_000L)).isZero();
                assertThat(cqe.res()).isEqualTo(4096);
                first.close(); // empties slot ia only
                assertThat(first.isRegistered()).isFalse();
                assertThat(second.isRegistered()).isTrue();
                assertThatThrownBy(() -> ring.nextSqe().writeFixed(fd, sa.address(), 4096, 0, ia))
                        .as("a fixed write from an emptied slot").isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("buffer index " + ia + " is empty");
                ring.nextSqe().readFixed(fd, sb.address() + 8192, 8192, 0, ib).userData(4);
                assertThat(ring.waitCqe(cqe, 10_000_000_000L)).isZero();
                assertThat(cqe.res()).isEqualTo(8192);
                assertThat(sb.get(ValueLayout.JAVA_BYTE, 8192)).isEqualTo((byte) 'a');
                assertThat(sb.get(ValueLayout.JAVA_BYTE, 8192 + 4096)).isEqualTo((byte) 'b');
                assertThatThrownBy(() -> first.register(a.regions())).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("closed");
                // the emptied slot is filled again by the next tenant: the table is not used up
                BufferRegistrar third = table.tenant();
                assertThat(third.register(a.regions())).containsExactly(ia);
                assertThat(table.used()).isEqualTo(2);
                ring.nextSqe().writeFixed(fd, sa.address(), 4096, 0, ia).userData(5);
                assertThat(ring.waitCqe(cqe, 10_000_000_000L)).isZero();
                assertThat(cqe.res()).isEqualTo(4096);
                // after the table itself is unregistered, tenants of it no longer count as registered
                // and closing them touches nothing
                table.unregister();
                assertThat(second.isRegistered()).isFalse();
                BufferRegistrar fourth = table.tenant();
                int again = fourth.register(b.regions())[0];
                second.close();
                third.close();
                assertThat(fourth.isRegistered()).isTrue();
                ring.nextSqe().writeFixed(fd, sb.address(), 4096, 4096, again).userData(6);
                assertThat(ring.waitCqe(cqe, 10_000_000_000L)).isZero();
                assertThat(cqe.res()).as("a slot of a later registration survives closing stale tenants").isEqualTo(4096);
                fourth.close();
            } finally {
                TestNet.close(fd);
            }
        }
    }
}
