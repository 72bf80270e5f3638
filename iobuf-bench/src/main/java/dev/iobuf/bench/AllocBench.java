package dev.iobuf.bench;

import dev.iobuf.alloc.BufferRegistrar;
import dev.iobuf.alloc.BuddyPool;
import dev.iobuf.alloc.FixedBuf;
import dev.iobuf.alloc.LeakDetector;
import dev.iobuf.alloc.OversizePolicy;
import dev.iobuf.alloc.RegisteredPool;
import dev.iobuf.alloc.SlabPool;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Allocate plus free of mixed sizes, 4 KiB to 1 MiB, for iobuf's arena allocators and their peers.
 * The sizes are a pre-generated sequence, log-uniform (every power of two in the range equally
 * likely, any size within it), the same for every allocator.
 *
 * <p>Two shapes: {@code single} allocates one block and frees it; {@code batch} holds
 * {@value #BATCH} blocks at once and then frees them all, so the allocator has to find room next
 * to live blocks. Scores are per allocate+free pair in both.
 *
 * <p>Run from the repository root after {@code mvn -q -DskipTests package}:
 * <pre>
 * java -cp 'iobuf-bench/target/iobuf-bench-0.1.0-SNAPSHOT.jar:iobuf-bench/target/lib/*' \
 *     org.openjdk.jmh.Main AllocBench -t 1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class AllocBench {
    static final long MIN_SIZE = 4L << 10;
    static final long MAX_SIZE = 1L << 20;
    static final int SEQUENCE = 1 << 14;
    static final int BATCH = 16;

    long[] sizes;
    BuddyPool buddy;
    SlabPool slab;
    SlabPool slabWithFallback;
    RegisteredPool handles;
    PooledByteBufAllocator nettyPooled;
    AdaptiveByteBufAllocator nettyAdaptive;

    /** Each thread walks the size sequence on its own. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
        final long[] blocks = new long[BATCH];
        final ByteBuf[] bufs = new ByteBuf[BATCH];
        final FixedBuf[] handles = new FixedBuf[BATCH];

        long size(long[] sizes) {
            return sizes[next++ & (SEQUENCE - 1)];
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(20240501);
        sizes = new long[SEQUENCE];
        double lo = Math.log(MIN_SIZE);
        double hi = Math.log(MAX_SIZE);
        for (int i = 0; i < SEQUENCE; i++) {
            sizes[i] = Math.min(MAX_SIZE, (long) Math.exp(lo + rnd.nextDouble() * (hi - lo)));
        }
        buddy = BuddyPool.builder().name("bench-buddy").arenaSize(64L << 20).build();
        SlabPool.Builder sb = SlabPool.builder().name("bench-slab").oversize(OversizePolicy.FAIL);
        for (long s = MIN_SIZE; s <= MAX_SIZE; s <<= 1) {
            sb.sizeClass(s, 32);
        }
        slab = sb.build();
        slabWithFallback = SlabPool.builder().name("bench-slab-default")
                .oversizeToBuddy(BuddyPool.builder().name("bench-slab-fallback").arenaSize(64L << 20)).build();
        handles = RegisteredPool.builder(new NoKernel(), () -> BuddyPool.builder().name("bench-handles")
                .arenaSize(64L << 20).build()).leakDetector(LeakDetector.off()).build();
        nettyPooled = new PooledByteBufAllocator(true);
        nettyAdaptive = new AdaptiveByteBufAllocator(true, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        handles.close();
        buddy.close();
        slab.close();
        slabWithFallback.close();
    }

    // --- one block at a time ----------------------------------------------------------------------

    @Benchmark
    public long buddyPool(Cursor c) {
        long b = buddy.allocate(c.size(sizes));
        buddy.free(b);
        return b;
    }

    @Benchmark
    public long slabPool(Cursor c) {
        long b = slab.allocate(c.size(sizes));
        slab.free(b);
        return b;
    }

    /** Default classes (4..64 KiB); larger requests go to the buddy fallback. */
    @Benchmark
    public long slabPoolDefaultClassesWithBuddyFallback(Cursor c) {
        long b = slabWithFallback.allocate(c.size(sizes));
        slabWithFallback.free(b);
        return b;
    }

    /** The user-facing handle over a buddy arena: a FixedBuf and its segment per allocation. */
    @Benchmark
    public long registeredPoolFixedBuf(Cursor c) {
        FixedBuf buf = handles.allocate(c.size(sizes));
        long a = buf.address();
        buf.close();
        return a;
    }

    @Benchmark
    public int nettyPooledDirect(Cursor c) {
        ByteBuf b = nettyPooled.directBuffer((int) c.size(sizes));
        int cap = b.capacity();
        b.release();
        return cap;
    }

    @Benchmark
    public int nettyAdaptiveDirect(Cursor c) {
        ByteBuf b = nettyAdaptive.directBuffer((int) c.size(sizes));
        int cap = b.capacity();
        b.release();
        return cap;
    }

    @Benchmark
    public long arenaConfined(Cursor c) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(c.size(sizes));
            return s.address();
        }
    }

    // --- BATCH blocks live at once --------------------------------------------------------------

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long buddyPoolBatch(Cursor c) {
        long[] blocks = c.blocks;
        for (int i = 0; i < BATCH; i++) {
            blocks[i] = buddy.allocate(c.size(sizes));
        }
        long x = 0;
        for (int i = 0; i < BATCH; i++) {
            x += blocks[i];
            buddy.free(blocks[i]);
        }
        return x;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long slabPoolBatch(Cursor c) {
        long[] blocks = c.blocks;
        for (int i = 0; i < BATCH; i++) {
            blocks[i] = slab.allocate(c.size(sizes));
        }
        long x = 0;
        for (int i = 0; i < BATCH; i++) {
            x += blocks[i];
            slab.free(blocks[i]);
        }
        return x;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long registeredPoolFixedBufBatch(Cursor c) {
        FixedBuf[] bufs = c.handles;
        for (int i = 0; i < BATCH; i++) {
            bufs[i] = handles.allocate(c.size(sizes));
        }
        long x = 0;
        for (int i = 0; i < BATCH; i++) {
            x += bufs[i].capacity();
            bufs[i].close();
            bufs[i] = null;
        }
        return x;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long nettyPooledDirectBatch(Cursor c) {
        return nettyBatch(nettyPooled, c);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long nettyAdaptiveDirectBatch(Cursor c) {
        return nettyBatch(nettyAdaptive, c);
    }

    private long nettyBatch(io.netty.buffer.ByteBufAllocator alloc, Cursor c) {
        ByteBuf[] bufs = c.bufs;
        for (int i = 0; i < BATCH; i++) {
            bufs[i] = alloc.directBuffer((int) c.size(sizes));
        }
        long x = 0;
        for (int i = 0; i < BATCH; i++) {
            x += bufs[i].capacity();
            bufs[i].release();
            bufs[i] = null;
        }
        return x;
    }

    /** A registrar with no kernel behind it: the benchmark measures the pool, not registration. */
    static final class NoKernel implements BufferRegistrar {
        private int next;
        private boolean registered;

        @Override
        public int[] register(List<MemorySegment> regions) {
            if (registered) {
                throw new IllegalStateException("already registered");
            }
            registered = true;
            return add(regions);
        }

        @Override
        public int[] add(List<MemorySegment> regions) {
            int[] idx = new int[regions.size()];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = next++;
            }
            return idx;
        }

        @Override
        public void update(int index, MemorySegment region) {
        }

        @Override
        public void unregister() {
            registered = false;
        }

        @Override
        public boolean isRegistered() {
            return registered;
        }

        @Override
        public void close() {
            registered = false;
        }
    }
}
