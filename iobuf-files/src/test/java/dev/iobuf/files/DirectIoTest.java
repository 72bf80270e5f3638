package dev.iobuf.files;

import dev.iobuf.uring.reactor.EventLoop;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** O_DIRECT: aligned I/O works; misaligned buffers, offsets and lengths are refused before submission. */
class DirectIoTest {
    static EventLoop loop;
    @TempDir
    Path dir;
    Path file;
    BlockingFile f;

    @BeforeAll
    static void start() {
        loop = EventLoop.start("direct-io-test");
    }

    @AfterAll
    static void stop() {
        loop.close();
    }

    @BeforeEach
    void open() throws IOException {
        file = dir.resolve("direct");
        Files.write(file, new byte[0]);
        try {
            f = BlockingFile.open(loop, file, READ, WRITE, CREATE, FileOption.DIRECT);
        } catch (IOException e) {
            assumeTrue(false, "the file system of " + dir + " refuses O_DIRECT: " + e.getMessage());
        }
        assumeTrue(f.async().lastStat().supportsDirectIo(),
                "the file system of " + dir + " reports no direct-I/O alignment (STATX_DIOALIGN)");
    }

    @AfterEach
    void close() throws IOException {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void alignedReadsAndWritesBypassTheCacheAndRoundTrip() throws IOException {
        int align = f.directOffsetAlignment();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(64 * 1024, Math.max(4096, f.directMemoryAlignment()));
            byte[] data = new byte[64 * 1024];
            new Random(1).nextBytes(data);
            MemorySegment.copy(data, 0, w, ValueLayout.JAVA_BYTE, 0, data.length);
            f.writeFully(w, 0);
            f.writeFully(w.asSlice(0, align), 64 * 1024);
            MemorySegment r = arena.allocate(64 * 1024, Math.max(4096, f.directMemoryAlignment()));
            f.readFully(r, 0);
            assertThat(r.mismatch(w)).isEqualTo(-1);
            // a read at the end of the file is short, by whole blocks
            assertThat(f.read(r, 64 * 1024)).isEqualTo(align);
            assertThat(f.read(r, 64 * 1024 + align)).isEqualTo(-1);
        }
        assertThat(Files.size(file)).isEqualTo(64 * 1024 + align);
    }

    @Test
    void misalignmentIsRefusedWithTheThreeNumbers() throws IOException {
        int mem = f.directMemoryAlignment();
        int off = f.directOffsetAlignment();
        assertThat(mem).isPositive();
        assertThat(off).isPositive();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment aligned = arena.allocate(8192, 4096);
            MemorySegment shifted = aligned.asSlice(mem == 1 ? 0 : 1, 4096);
            if (mem > 1) {
                assertThatThrownBy(() -> f.read(shifted, 0))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("O_DIRECT")
                        .hasMessageContaining("aligned to " + mem)
                        .hasMessageContaining("0x" + Long.toHexString(shifted.address()))
                        .hasMessageContaining("offset 0").hasMessageContaining("length 4096");
            }
            assertThatThrownBy(() -> f.write(aligned.asSlice(0, 4096), off / 2 + 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("offset " + (off / 2 + 1));
            assertThatThrownBy(() -> f.read(aligned.asSlice(0, off + 3), 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("length " + (off + 3));
            // nothing half-done was submitted: the file still works
            f.writeFully(aligned.asSlice(0, 4096), 0);
            assertThat(f.size()).isEqualTo(4096);
        }
    }
}
