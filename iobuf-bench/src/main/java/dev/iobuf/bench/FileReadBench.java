package dev.iobuf.bench;

import dev.iobuf.pool.BufferPool;
import dev.iobuf.pool.Tier;
import dev.iobuf.uring.Cqe;
import dev.iobuf.uring.CqeHandler;
import dev.iobuf.uring.IoUring;
import dev.iobuf.uring.Sqe;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Random 4 KiB reads from a 64 MiB file in the page cache: io_uring READ_FIXED into registered
 * pool buffers (one read per submit, and 32 per submit) against {@code FileChannel.read} into a
 * direct buffer, in the same run. Time per read.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class FileReadBench {
    static final long FILE_SIZE = 64L << 20;
    static final int BLOCK = 4096;
    static final int BATCH = 32;

    Path file;
    FileChannel channel;
    ByteBuffer direct;
    IoUring ring;
    BufferPool pool;
    int fd;
    long[] offsets;
    int next;
    final Cqe cqe = new Cqe();
    long sink;
    final CqeHandler handler = (userData, res, flags) -> {
        if (res != BLOCK) {
            throw new IllegalStateException("read returned " + res);
        }
        sink += userData;
    };

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = Files.createTempFile("iobuf-read-bench", ".bin");
        byte[] chunk = new byte[1 << 20];
        new SplittableRandom(1).nextBytes(chunk);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (long off = 0; off < FILE_SIZE; off += chunk.length) {
                out.write(ByteBuffer.wrap(chunk), off);
            }
        }
        channel = FileChannel.open(file, StandardOpenOption.READ);
        direct = ByteBuffer.allocateDirect(BLOCK);
        ring = IoUring.builder().entries(64).singleIssuer().open();
        pool = BufferPool.create(Tier.MEDIUM, BATCH, false); // 8 KiB buffers, we read 4 KiB into each
        ring.register().buffers(pool);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment path = a.allocateFrom(file.toString());
            ring.nextSqe().openat(Sqe.AT_FDCWD, path.address(), 0 /* O_RDONLY */, 0).userData(0);
            if (ring.waitCqe(cqe) != 0 || cqe.res() < 0) {
                throw new IOException("openat failed: " + cqe.res());
            }
            fd = cqe.res();
        }
        SplittableRandom rnd = new SplittableRandom(42);
        offsets = new long[1 << 16];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = rnd.nextLong(FILE_SIZE / BLOCK) * BLOCK;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        ring.nextSqe().close(fd).userData(0);
        ring.submitAndWait(1);
        ring.forEachCqe((u, r, f) -> { });
        ring.close();
        pool.close();
        channel.close();
        Files.deleteIfExists(file);
    }

    private long nextOffset() {
        return offsets[next++ & (offsets.length - 1)];
    }

    @Benchmark
    public int fileChannelRead() throws IOException {
        direct.clear();
        return channel.read(direct, nextOffset());
    }

    @Benchmark
    public int uringReadFixed() {
        int i = pool.tryAcquire();
        ring.nextSqe().readFixed(fd, pool.address(i), BLOCK, nextOffset(), 0).userData(i);
        ring.submitAndWait(1);
        ring.forEachCqe(handler);
        pool.release(i);
        return i;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long uringReadFixedBatch32() {
        for (int k = 0; k < BATCH; k++) {
            int i = pool.tryAcquire();
            ring.nextSqe().readFixed(fd, pool.address(i), BLOCK, nextOffset(), 0).userData(i);
        }
        ring.submitAndWait(BATCH);
        int got = 0;
        while (got < BATCH) {
            got += ring.forEachCqe(handler);
            if (got < BATCH) {
                ring.submitAndWait(BATCH - got);
            }
        }
        for (int i = 0; i < BATCH; i++) {
            pool.release(i);
        }
        return sink;
    }
}
