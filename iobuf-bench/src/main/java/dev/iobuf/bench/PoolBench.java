package dev.iobuf.bench;

import dev.iobuf.pool.BoundedPool;
import dev.iobuf.pool.BufferPool;
import dev.iobuf.pool.Tier;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.jctools.queues.MpmcArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * One acquire plus one release of a 2 KiB buffer (or of a pre-filled index), per operation, for
 * iobuf's pools and their peers. Run with {@code -t 1}, {@code -t 2}, {@code -t 4}: all threads
 * share one pool, which holds more entries than there are threads, so nobody waits.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class PoolBench {
    static final int CAPACITY = 1024;
    static final int SIZE = 2048;

    BufferPool bufferPool;
    /** The same pool without caches per stripe of threads: the same-run ablation of the caches. */
    BufferPool bufferPoolNoCache;
    BoundedPool<Object> boundedPool;
    MpmcArrayQueue<Integer> jctools;
    ArrayBlockingQueue<Integer> abq;
    ConcurrentLinkedQueue<Integer> clq;
    PooledByteBufAllocator nettyPooled;
    AdaptiveByteBufAllocator nettyAdaptive;

    @Setup(Level.Trial)
    public void setUp() {
        bufferPool = BufferPool.create(Tier.SMALL, CAPACITY);
        bufferPoolNoCache = BufferPool.builder(Tier.SMALL, CAPACITY).threadCaches(false).build();
        boundedPool = BoundedPool.create(CAPACITY);
        boundedPool.fill(i -> new Object());
        jctools = new MpmcArrayQueue<>(CAPACITY);
        abq = new ArrayBlockingQueue<>(CAPACITY);
        clq = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < CAPACITY; i++) {
            Integer boxed = i;
            jctools.offer(boxed);
            abq.offer(boxed);
            clq.offer(boxed);
        }
        nettyPooled = new PooledByteBufAllocator(true);
        nettyAdaptive = new AdaptiveByteBufAllocator(true, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bufferPool.close();
        bufferPoolNoCache.close();
    }

    @Benchmark
    public int iobufBufferPool() {
        int i = bufferPool.tryAcquire();
        bufferPool.release(i);
        return i;
    }

    @Benchmark
    public int iobufBufferPoolNoCache() {
        int i = bufferPoolNoCache.tryAcquire();
        bufferPoolNoCache.release(i);
        return i;
    }

    @Benchmark
    public int iobufBoundedPool() {
        int i = boundedPool.tryAcquire();
        boundedPool.release(i);
        return i;
    }

    @Benchmark
    public Integer jctoolsMpmcArrayQueue() {
        return offerPoll(jctools);
    }

    @Benchmark
    public Integer arrayBlockingQueue() {
        return offerPoll(abq);
    }

    @Benchmark
    public Integer concurrentLinkedQueue() {
        return offerPoll(clq);
    }

    private static Integer offerPoll(Queue<Integer> q) {
        Integer i = q.poll();
        q.offer(i);
        return i;
    }

    @Benchmark
    public int nettyPooledDirect2K() {
        ByteBuf b = nettyPooled.directBuffer(SIZE);
        int c = b.capacity();
        b.release();
        return c;
    }

    @Benchmark
    public int nettyAdaptiveDirect2K() {
        ByteBuf b = nettyAdaptive.directBuffer(SIZE);
        int c = b.capacity();
        b.release();
        return c;
    }

    @Benchmark
    public long arenaConfined2K() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(SIZE);
            return s.address();
        }
    }

    @Benchmark
    public int byteBufferAllocateDirect2K() {
        return ByteBuffer.allocateDirect(SIZE).capacity();
    }
}
