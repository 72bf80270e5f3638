package dev.iobuf.files;

import dev.iobuf.memory.IoVec;
import dev.iobuf.pool.BufferPool;
import dev.iobuf.pool.PooledBuffer;
import dev.iobuf.pool.Tier;
import dev.iobuf.alloc.BufferRegistrar;
import dev.iobuf.uring.reactor.EventLoop;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Files through the ring in blocking calls, checked byte for byte against the JDK's {@code FileChannel}. */
class BlockingFileTest {
    static EventLoop loop;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        loop = EventLoop.start("files-test");
    }

    @AfterAll
    static void stop() {
        loop.close();
    }

    @Test
    void randomPositionalReadsAndWritesMatchFileChannel() throws IOException {
        Path p = dir.resolve("random");
        int size = 1 << 20;
        byte[] model = new byte[size];
        Random rnd = new Random(42);
        try (Arena arena = Arena.ofConfined();
             BlockingFile f = BlockingFile.open(loop, p, READ, WRITE, CREATE)) {
            MemorySegment buf = arena.allocate(64 * 1024, 4096);
            long end = 0;
            for (int i = 0; i < 400; i++) {
                int len = 1 + rnd.nextInt(64 * 1024);
                int pos = rnd.nextInt(size - len);
                MemorySegment slice = buf.asSlice(0, len);
                if (rnd.nextBoolean()) {
                    byte[] data = new byte[len];
                    rnd.nextBytes(data);
                    MemorySegment.copy(data, 0, slice, ValueLayout.JAVA_BYTE, 0, len);
                    f.writeFully(slice, pos);
                    System.arraycopy(data, 0, model, pos, len);
                    end = Math.max(end, pos + len);
                } else {
                    int n = f.read(slice, pos);
                    int expected = (int) Math.max(-1, Math.min(len, end - pos));
                    assertThat(n).as("read of %d at %d, file %d bytes", len, pos, end).isEqualTo(expected == 0 ? -1 : expected);
                    for (int j = 0; j < Math.max(0, n); j++) {
                        assertThat(slice.get(ValueLayout.JAVA_BYTE, j)).isEqualTo(model[pos + j]);
                    }
                }
            }
            assertThat(f.size()).isEqualTo(end);
            byte[] jdk = Files.readAllBytes(p);
            assertThat(jdk).hasSize((int) end);
            for (int j = 0; j < end; j++) {
                if (jdk[j] != model[j]) {
                    throw new AssertionError("byte " + j + " differs: file " + jdk[j] + ", model " + model[j]);
                }
            }
        }
    }

    @Test
    void endOfFileAndShortReadsAreReportedAsTheyAre() throws IOException {
        Path p = dir.resolve("short");
        Files.write(p, new byte[1000]);
        try (Arena arena = Arena.ofConfined(); BlockingFile f = BlockingFile.open(loop, p)) {
            MemorySegment buf = arena.allocate(4096);
            assertThat(f.read(buf, 0)).isEqualTo(1000);     // short: the file ends
            assertThat(f.read(buf, 900)).isEqualTo(100);
            assertThat(f.read(buf, 1000)).isEqualTo(-1);    // at the end
            assertThat(f.read(buf, 5000)).isEqualTo(-1);    // past it
            assertThatThrownBy(() -> f.readFully(buf, 0))
                    .isInstanceOf(EOFException.class).hasMessageContaining("after 1000 of 4096 bytes");
        }
    }

    @Test
    void errorsNameTheFileAndTheCall() throws IOException {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> BlockingFile.open(loop, missing, READ))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("open").hasMessageContaining("ENOENT");
        Path exists = Files.writeString(dir.resolve("exists"), "x");
        assertThatThrownBy(() -> BlockingFile.open(loop, exists, WRITE, CREATE_NEW))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("EEXIST");
        try (Arena arena = Arena.ofConfined(); BlockingFile ro = BlockingFile.open(loop, exists, READ)) {
            assertThatThrownBy(() -> ro.write(arena.allocate(1), 0))
                    .hasMessageContaining(exists.toString()).hasMessageContaining("write (read-only)").hasMessageContaining("EBADF");
        }
        Path d = Files.createDirectory(dir.resolve("sub"));
        assertThatThrownBy(() -> BlockingFile.open(loop, d, WRITE)).hasMessageContaining("EISDIR");
        assertThatThrownBy(() -> BlockingFile.open(loop, dir.resolve("x"), java.nio.file.StandardOpenOption.DELETE_ON_CLOSE))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> BlockingFile.open(loop, dir.resolve("x"), READ, APPEND))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void appendWritesAtTheEnd() throws IOException {
        Path p = Files.writeString(dir.resolve("log"), "abc");
        try (Arena arena = Arena.ofConfined(); BlockingFile f = BlockingFile.open(loop, p, APPEND)) {
            f.write(arena.allocateFrom("def", java.nio.charset.StandardCharsets.US_ASCII).asSlice(0, 3), 0);
        }
        assertThat(Files.readString(p)).isEqualTo("abcdef");
    }

    @Test
    void vectoredReadsAndWrites() throws IOException {
        Path p = dir.resolve("vec");
        try (Arena arena = Arena.ofConfined(); BlockingFile f = BlockingFile.open(loop, p, READ, WRITE, CREATE)) {
            MemorySegment a = arena.allocateFrom("hello ", java.nio.charset.StandardCharsets.US_ASCII).asSlice(0, 6);
            MemorySegment b = arena.allocateFrom("world", java.nio.charset.StandardCharsets.US_ASCII).asSlice(0, 5);
            IoVec out = IoVec.of(a, b);
            assertThat(f.write(out, 0)).isEqualTo(11);
            MemorySegment x = arena.allocate(3);
            MemorySegment y = arena.allocate(20);
            assertThat(f.read(IoVec.of(x, y), 0)).isEqualTo(11);
            assertThat(new String(x.toArray(ValueLayout.JAVA_BYTE))).isEqualTo("hel");
            assertThat(new String(y.asSlice(0, 8).toArray(ValueLayout.JAVA_BYTE))).isEqualTo("lo world");
        }
    }

    @Test
    void aFileLargerThanAllRegisteredMemoryGoesThroughFixedBuffers() throws Exception {
        // 4 buffers of 64 KiB registered on the loop's ring; the file is 4 MiB
        BufferPool pool = BufferPool.create(Tier.forSize(64 * 1024), 4);
        BufferRegistrar tenant = onLoop(() -> loop.bufferTable().tenant());
        onLoop(() -> tenant.register(List.of(pool.slab())));
        Path p = dir.resolve("big");
        int chunks = 64;
        try (BlockingFile f = BlockingFile.open(loop, p, READ, WRITE, CREATE)) {
            for (int c = 0; c < chunks; c++) {
                try (PooledBuffer b = pool.take()) {
                    b.segment().fill((byte) c);
                    assertThat(f.write(b, 64 * 1024, c * 64L * 1024)).isEqualTo(64 * 1024);
                }
            }
            for (int c = chunks - 1; c >= 0; c--) {
                try (PooledBuffer b = pool.take()) {
                    assertThat(f.read(b, 64 * 1024, c * 64L * 1024)).isEqualTo(64 * 1024);
                    for (int j = 0; j < 64 * 1024; j += 4093) {
                        assertThat(b.segment().get(ValueLayout.JAVA_BYTE, j)).isEqualTo((byte) c);
                    }
                }
            }
            long fixed = onLoop(() -> f.async().fixedBufferOperations());
            assertThat(fixed).as("reads and writes of registered memory go out as fixed operations").isEqualTo(2L * chunks);
        } finally {
            onLoop(() -> {
                tenant.close();
                return null;
            });
            pool.close();
        }
        assertThat(Files.size(p)).isEqualTo(chunks * 64L * 1024);
    }

    @Test
    void fixedFileSlots() throws Exception {
        Path p = dir.resolve("fixed");
        try (Arena arena = Arena.ofConfined();
             BlockingFile f = BlockingFile.open(loop, p, READ, WRITE, CREATE, FileOption.FIXED_FILE)) {
            assertThat(f.async().isFixed()).isTrue();
            MemorySegment s = arena.allocate(8192);
            s.fill((byte) 7);
            f.writeFully(s, 100);
            f.fsync();
            assertThat(f.stat().size()).isEqualTo(8292);
            MemorySegment r = arena.allocate(8192);
            f.readFully(r, 100);
            assertThat(r.mismatch(s)).isEqualTo(-1);
        }
        assertThat(Files.size(p)).isEqualTo(8292);
    }

    @Test
    void sizeShapingAndAdvice() throws IOException {
        Path p = dir.resolve("shape");
        try (BlockingFile f = BlockingFile.open(loop, p, READ, WRITE, CREATE)) {
            f.allocate(0, 0, 1 << 20);
            assertThat(f.size()).isEqualTo(1 << 20);
            f.truncate(1000);
            assertThat(f.size()).isEqualTo(1000);
            f.advise(0, 0, 2);
            f.syncRange(0, 0, 2);
            f.fdatasync();
            FileStat st = f.stat();
            assertThat(st.blockSize()).isPositive();
            assertThat(st.modifiedNanos()).isPositive();
        }
        assertThat(Files.size(p)).isEqualTo(1000);
    }

    @Test
    void directoryCalls() throws IOException {
        Path sub = dir.resolve("d");
        Directories.create(loop, sub);
        assertThat(Files.isDirectory(sub)).isTrue();
        assertThatThrownBy(() -> Directories.create(loop, sub)).isInstanceOf(FileAlreadyExistsException.class);
        Path a = Files.writeString(sub.resolve("a"), "A");
        Path b = Files.writeString(sub.resolve("b"), "B");
        assertThatThrownBy(() -> Directories.renameNoReplace(loop, a, b)).isInstanceOf(FileAlreadyExistsException.class);
        Directories.rename(loop, a, b);
        assertThat(Files.readString(b)).isEqualTo("A");
        assertThat(Files.exists(a)).isFalse();
        Directories.sync(loop, sub);
        assertThatThrownBy(() -> Directories.deleteDirectory(loop, sub))
                .isInstanceOf(java.nio.file.DirectoryNotEmptyException.class);
        Directories.delete(loop, b);
        assertThatThrownBy(() -> Directories.delete(loop, b)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("unlink");
        Directories.deleteDirectory(loop, sub);
        assertThat(Files.exists(sub)).isFalse();
    }

    @Test
    void callsFromTheLoopThreadAreRefused() throws Exception {
        Path p = Files.writeString(dir.resolve("x"), "x");
        try (BlockingFile f = BlockingFile.open(loop, p)) {
            Throwable t = onLoop(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    f.read(arena.allocate(1), 0);
                    return null;
                } catch (Throwable e) {
                    return e;
                }
            });
            assertThat(t).isInstanceOf(IllegalStateException.class).hasMessageContaining("loop thread");
        }
    }

    @Test
    void batchReadsCompleteTogether() throws IOException {
        Path p = dir.resolve("batch");
        byte[] data = new byte[32 * 4096];
        new Random(7).nextBytes(data);
        Files.write(p, data);
        try (Arena arena = Arena.ofConfined(); BlockingFile f = BlockingFile.open(loop, p)) {
            FileBatch batch = new FileBatch(loop, 33);
            MemorySegment[] bufs = new MemorySegment[33];
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 33; i++) {
                    bufs[i] = arena.allocate(4096);
                    batch.read(f, bufs[i], (long) ((i * 7 + round) % 33) * 4096);
                }
                batch.submitAndAwait();
                for (int i = 0; i < 33; i++) {
                    int block = (i * 7 + round) % 33;
                    if (block == 32) {
                        assertThat(batch.result(i)).as("read past the end").isZero();
                    } else {
                        assertThat(batch.result(i)).isEqualTo(4096);
                        assertThat(bufs[i].toArray(ValueLayout.JAVA_BYTE))
                                .isEqualTo(java.util.Arrays.copyOfRange(data, block * 4096, block * 4096 + 4096));
                    }
                }
                batch.clear();
            }
        }
    }

    @Test
    void theFileChannelAdapterBehavesLikeTheJdks() throws IOException {
        Path p = dir.resolve("channel");
        try (FileChannel ch = BlockingFile.open(loop, p, READ, WRITE, CREATE).channel()) {
            assertThat(ch.write(ByteBuffer.wrap("hello, ".getBytes()))).isEqualTo(7);
            ByteBuffer direct = ByteBuffer.allocateDirect(5).put("world".getBytes()).flip();
            assertThat(ch.write(direct)).isEqualTo(5);
            assertThat(ch.position()).isEqualTo(12);
            assertThat(ch.size()).isEqualTo(12);
            ByteBuffer back = ByteBuffer.allocate(100);
            assertThat(ch.read(back, 0)).isEqualTo(12);
            assertThat(new String(back.array(), 0, 12)).isEqualTo("hello, world");
            assertThat(ch.read(ByteBuffer.allocate(10))).isEqualTo(-1);
            ch.position(7);
            ByteBuffer w = ByteBuffer.allocateDirect(3);
            assertThat(ch.read(w)).isEqualTo(3);
            assertThat(ch.position()).isEqualTo(10);
            ch.truncate(5);
            assertThat(ch.size()).isEqualTo(5);
            assertThat(ch.position()).isEqualTo(5);
            ch.force(true);
            try (FileChannel other = FileChannel.open(dir.resolve("copy"), WRITE, CREATE)) {
                assertThat(ch.transferTo(0, 5, other)).isEqualTo(5);
            }
            assertThat(Files.readString(dir.resolve("copy"))).isEqualTo("hello");
        }
        assertThat(Files.readString(p)).isEqualTo("hello");
        // a read-only channel refuses writes the JDK's way
        try (FileChannel ro = BlockingFile.open(loop, p, READ).channel()) {
            assertThatThrownBy(() -> ro.write(ByteBuffer.allocate(1))).isInstanceOf(java.nio.channels.NonWritableChannelException.class);
        }
    }

    @Test
    void blockingCallsFromManyVirtualThreads() throws Exception {
        Path p = dir.resolve("vt");
        int threads = 200;
        try (BlockingFile f = BlockingFile.open(loop, p, READ, WRITE, CREATE);
             var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(exec.submit(() -> {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment s = arena.allocate(512);
                        s.fill((byte) id);
                        f.writeFully(s, id * 512L);
                        MemorySegment r = arena.allocate(512);
                        f.readFully(r, id * 512L);
                        assertThat(r.mismatch(s)).isEqualTo(-1);
                    }
                    return null;
                }));
            }
            for (var d : done) {
                d.get(30, TimeUnit.SECONDS);
            }
        }
        byte[] all = Files.readAllBytes(p);
        assertThat(all).hasSize(threads * 512);
        for (int t = 0; t < threads; t++) {
            assertThat(all[t * 512 + 511]).isEqualTo((byte) t);
        }
    }

    static <T> T onLoop(java.util.concurrent.Callable<T> task) throws Exception {
        return onLoop(loop, task);
    }

    static <T> T onLoop(EventLoop loop, java.util.concurrent.Callable<T> task) throws Exception {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }
}
