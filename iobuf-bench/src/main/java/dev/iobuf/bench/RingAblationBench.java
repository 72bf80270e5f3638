package dev.iobuf.bench;

import org.jctools.queues.MpmcArrayQueue;
import org.openjdk.jmh.annotations.*;
import java.util.concurrent.TimeUnit;

@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1)
/**
 * Ablation of the index ring, single-threaded in the same run as JCTools: the full algorithm,
 * without the ownership CAS, and with a CAS loop instead of getAndAdd on the tail.
 */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RingAblationBench {
    RingAblation full = new RingAblation(1024, true, false);
    RingAblation noOwner = new RingAblation(1024, false, false);
    RingAblation casPut = new RingAblation(1024, true, true);
    RingAblation casPutNoOwner = new RingAblation(1024, false, true);
    RingAblation casNoStore = new RingAblation(1024, true, false);
    { casNoStore.storeOwner = false; }
    MpmcArrayQueue<Integer> jctools = new MpmcArrayQueue<>(1024);
    { for (int i = 0; i < 1024; i++) jctools.offer(i); }

    @Benchmark public int full() { int i = full.tryAcquire(); full.release(i); return i; }
    @Benchmark public int noOwner() { int i = noOwner.tryAcquire(); noOwner.release(i); return i; }
    @Benchmark public int casPut() { int i = casPut.tryAcquire(); casPut.release(i); return i; }
    @Benchmark public int casPutNoOwner() { int i = casPutNoOwner.tryAcquire(); casPutNoOwner.release(i); return i; }
    @Benchmark public int casNoStore() { int i = casNoStore.tryAcquire(); casNoStore.release(i); return i; }
    @Benchmark public Integer jctools() { Integer i = jctools.poll(); jctools.offer(i); return i; }
}
