package dev.iobuf.uring;

import dev.iobuf.memory.AlignedMemory;
import dev.iobuf.memory.IoVec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** File I/O through the ring: plain, vectored, fixed (registered buffers, O_DIRECT), open/statx/fsync/close. */
@Timeout(30)
class FileIoTest {
    private static final int AT_FDCWD = -100;
    private static final int STATX_SIZE = 0x200;
    private static final long STX_SIZE_OFFSET = 40;
    private static final long PAGE = AlignedMemory.pageSize();

    @TempDir
    Path dir;
    private IoUring ring;
    private Arena arena;

    @BeforeEach
    void open() {
        ring = IoUring.open(16);
        arena = Arena.ofConfined();
    }

    @AfterEach
    void close() {
        ring.close();
        arena.close();
    }

    private static void fill(MemorySegment s, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < s.byteSize(); i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt());
        }
    }

    private Map<Long, Integer> reap(int n) {
        Map<Long, Integer> results = new HashMap<>();
        Cqe cqe = new Cqe();
        while (results.size() < n) {
            assertThat(ring.waitCqe(cqe, 10_000_000_000L)).isZero();
            results.put(cqe.userData(), cqe.res());
        }
        return results;
    }

    private int run(long userData) {
        return reap(1).get(userData);
    }

    @Test
    void writeThenReadEveryByte() throws Throwable {
        Path file = dir.resolve("plain");
        int fd = TestNet.open(file.toString(), TestNet.O_RDWR | TestNet.O_CREAT | TestNet.O_TRUNC);
        try {
            MemorySegment out = arena.allocate(65536);
            MemorySegment in = arena.allocate(65536);
            fill(out, 1);
            ring.nextSqe().write(fd, out, 0).userData(1);
            assertThat(run(1)).isEqualTo(65536);
            ring.nextSqe().read(fd, in.address(), (int) in.byteSize(), 0).userData(2);
            assertThat(run(2)).isEqualTo(65536);
            assertThat(in.mismatch(out)).isEqualTo(-1);
            assertThat(Files.readAllBytes(file)).isEqualTo(out.toArray(ValueLayout.JAVA_BYTE));
            ring.nextSqe().read(fd, in, 65536).userData(3);
            assertThat(run(3)).as("read at end of file").isZero();
        } finally {
            TestNet.close(fd);
        }
    }

    @Test
    void vectoredWriteAndRead() throws Throwable {
        int fd = TestNet.open(dir.resolve("vec").toString(), TestNet.O_RDWR | TestNet.O_CREAT | TestNet.O_TRUNC);
        try {
            MemorySegment[] out = {arena.allocate(100), arena.allocate(4096), arena.allocate(3000)};
            MemorySegment[] in = {arena.allocate(3000), arena.allocate(4096), arena.allocate(100)};
            for (int i = 0; i < out.length; i++) {
                fill(out[i], 10 + i);
            }
            ring.nextSqe().writev(fd, IoVec.of(out), 0).userData(1);
            assertThat(run(1)).isEqualTo(7196);
            IoVec inVec = IoVec.of(in);
            ring.nextSqe().readv(fd, inVec.address(), inVec.count(), 0).userData(2);
            assertThat(run(2)).isEqualTo(7196);
            MemorySegment all = arena.allocate(7196);
            MemorySegment got = arena.allocate(7196);
            long o = 0;
            for (MemorySegment s : out) {
                all.asSlice(o, s.byteSize()).copyFrom(s);
                o += s.byteSize();
            }
            o = 0;
            for (MemorySegment s : in) {
                got.asSlice(o, s.byteSize()).copyFrom(s);
                o += s.byteSize();
            }
            assertThat(got.mismatch(all)).isEqualTo(-1);
        } finally {
            TestNet.close(fd);
        }
    }

    @Test
    void fixedBuffersWithODirectAddressSubRangesOfOneRegisteredSlab() throws Throwable {
        MemorySegment slab = AlignedMemory.allocatePageAligned(16 * PAGE);
        ring.register().buffers(slab);
        int fd = TestNet.open(dir.resolve("direct").toString(),
                TestNet.O_RDWR | TestNet.O_CREAT | TestNet.O_TRUNC | TestNet.O_DIRECT);
        try {
            MemorySegment out = slab.asSlice(2 * PAGE, 4 * PAGE);
            MemorySegment in = slab.asSlice(9 * PAGE, 4 * PAGE);
            fill(out, 7);
            ring.nextSqe().writeFixed(fd, out, 0, 0).userData(1);
            ring.nextSqe().writeFixed(fd, out.address(), (int) PAGE, 4 * PAGE, 0).userData(2);
            Map<Long, Integer> w = reap(2);
            assertThat(w).containsEntry(1L, (int) (4 * PAGE)).containsEntry(2L, (int) PAGE);
            ring.nextSqe().readFixed(fd, in, 0, 0).userData(3);
            assertThat(run(3)).isEqualTo((int) (4 * PAGE));
            assertThat(in.mismatch(out)).isEqualTo(-1);
            MemorySegment tail = slab.asSlice(14 * PAGE, PAGE);
            ring.nextSqe().readFixed(fd, tail.address(), (int) PAGE, 4 * PAGE, 0).userData(4);
            assertThat(run(4)).isEqualTo((int) PAGE);
            assertThat(tail.mismatch(out.asSlice(0, PAGE))).isEqualTo(-1);
            MemorySegment outside = arena.allocate(PAGE);
            // a range outside the registered buffer is refused when the SQE is prepared (the
            // kernel would answer -EFAULT), and the entry goes back to the queue
            assertThatThrownBy(() -> ring.nextSqe().readFixed(fd, outside, 0, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside registered buffer 0");
            assertThat(ring.sqPending()).isZero();
        } finally {
            TestNet.close(fd);
        }
        ring.register().unregisterBuffers();
        assertThatThrownBy(() -> ring.register().unregisterBuffers()).isInstanceOf(IoUringException.class)
                .hasMessageContaining("UNREGISTER_BUFFERS");
    }

    @Test
    void taggedBuffersPostTheirTagWhenReleased() {
        MemorySegment a = AlignedMemory.allocatePageAligned(PAGE);
        MemorySegment b = AlignedMemory.allocatePageAligned(PAGE);
        MemorySegment c = AlignedMemory.allocatePageAligned(PAGE);
        ring.register().buffers(new MemorySegment[] {a, b}, new long[] {11, 12});
        assertThat(ring.register().updateBuffers(0, new MemorySegment[] {c}, new long[] {13})).isEqualTo(1);
        assertThat(reap(1)).containsKey(11L);
        ring.register().unregisterBuffers();
        assertThat(reap(2)).containsKeys(12L, 13L);
    }

    @Test
    void sparseBufferTableFilledByUpdate() throws Throwable {
        ring.register().buffersSparse(4);
        MemorySegment slab = AlignedMemory.allocatePageAligned(PAGE);
        assertThat(ring.register().updateBuffers(2, new MemorySegment[] {slab}, null)).isEqualTo(1);
        int fd = TestNet.open(dir.resolve("sparse").toString(), TestNet.O_RDWR | TestNet.O_CREAT | TestNet.O_TRUNC);
        try {
            fill(slab, 3);
            ring.nextSqe().writeFixed(fd, slab, 0, 2).userData(1);
            assertThat(run(1)).isEqualTo((int) PAGE);
            assertThatThrownBy(() -> ring.nextSqe().writeFixed(fd, slab, 0, 1)).as("an empty slot")
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("buffer index 1 is empty");
        } finally {
            TestNet.close(fd);
        }
    }

    @Test
    void registrationRejectsHeapMemoryWithAClearMessage() {
        assertThatThrownBy(() -> ring.register().buffers(MemorySegment.ofArray(new byte[64])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heap");
    }

    @Test
    void openStatxFsyncCloseThroughTheRing() {
        Path file = dir.resolve("opened");
        MemorySegment path = arena.allocateFrom(file.toString());
        ring.nextSqe().openat(AT_FDCWD, path.address(), TestNet.O_RDWR | TestNet.O_CREAT | TestNet.O_CLOEXEC, 0644)
                .userData(1);
        int fd = run(1);
        assertThat(fd).isGreaterThanOrEqualTo(0);
        MemorySegment data = arena.allocate(1000);
        fill(data, 5);
        ring.nextSqe().write(fd, data, 0).userData(2).link();
        ring.nextSqe().fsync(fd, OpFlags.FSYNC_DATASYNC).userData(3);
        assertThat(reap(2)).containsEntry(2L, 1000).containsEntry(3L, 0);
        MemorySegment statx = arena.allocate(256, 8);
        ring.nextSqe().statx(AT_FDCWD, path.address(), 0, STATX_SIZE, statx.address()).userData(4);
        assertThat(run(4)).isZero();
        assertThat(statx.get(ValueLayout.JAVA_LONG, STX_SIZE_OFFSET)).isEqualTo(1000);
        ring.nextSqe().close(fd).userData(5);
        assertThat(run(5)).isZero();
        ring.nextSqe().close(fd).userData(6);
        assertThat(run(6)).isEqualTo(-Errno.EBADF);
    }

    @Test
    void registeredFilesByIndexAndDirectOpen() throws Throwable {
        Path file = dir.resolve("fixed");
        Files.write(file, new byte[] {1, 2, 3, 4, 5});
        int fd = TestNet.open(file.toString(), TestNet.O_RDWR);
        MemorySegment buf = arena.allocate(16);
        try {
            ring.register().files(-1, fd);
            ring.nextSqe().read(1, buf, 0).fixedFile().userData(1);
            assertThat(run(1)).isEqualTo(5);
            assertThat(buf.asSlice(0, 5).toArray(ValueLayout.JAVA_BYTE)).containsExactly(1, 2, 3, 4, 5);
            assertThat(ring.register().updateFiles(0, fd)).isEqualTo(1);
            ring.nextSqe().read(0, buf.address(), 2, 3).fixedFile().userData(2);
            assertThat(run(2)).isEqualTo(2);
            assertThat(buf.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 4);
            ring.register().unregisterFiles();
        } finally {
            TestNet.close(fd);
        }
        ring.register().filesSparse(8);
        ring.register().fileAllocRange(4, 4);
        MemorySegment path = arena.allocateFrom(file.toString());
        ring.nextSqe().openatDirect(AT_FDCWD, path.address(), TestNet.O_RDWR, 0, OpFlags.FILE_INDEX_ALLOC).userData(3);
        int slot = run(3);
        assertThat(slot).isBetween(4, 7);
        ring.nextSqe().read(slot, buf, 0).fixedFile().userData(4);
        assertThat(run(4)).isEqualTo(5);
        ring.nextSqe().closeDirect(slot).userData(5);
        assertThat(run(5)).isZero();
        ring.nextSqe().read(slot, buf, 0).fixedFile().userData(6);
        assertThat(run(6)).isEqualTo(-Errno.EBADF);
    }
}
