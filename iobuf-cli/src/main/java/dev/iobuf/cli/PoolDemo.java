package dev.iobuf.cli;

import dev.iobuf.memory.AlignedMemory;
import dev.iobuf.memory.MemoryBudget;
import dev.iobuf.pool.BufferPool;
import dev.iobuf.pool.PoolStats;
import dev.iobuf.pool.Tier;
import dev.iobuf.pool.TieredBufferPool;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The pools at work: several threads take buffers of every tier by size, write and check a stamp
 * in each, and give them back, for a few seconds; then throughput and every pool's statistics.
 */
final class PoolDemo {
    private PoolDemo() {
    }

    static int run(Options o) throws InterruptedException {
        double seconds = o.decimal("seconds", 3);
        int threads = o.integer("threads", Math.max(2, Runtime.getRuntime().availableProcessors() * 2));
        Tier maxTier = Tier.valueOf(o.string("max-tier", "HUGE").toUpperCase(Locale.ROOT));

        System.out.printf("iobuf demo: %d threads take and give back buffers of tiers PICO..%s for %.1f s%n",
                threads, maxTier, seconds);
        System.out.printf("machine: page %d B, cache line %d B, %d cores%n%n",
                AlignedMemory.pageSize(), AlignedMemory.cacheLineSize(), Runtime.getRuntime().availableProcessors());

        TieredBufferPool.Builder b = TieredBufferPool.builder();
        for (Tier t : Tier.values()) {
            if (t.ordinal() <= maxTier.ordinal()) {
                // fewer buffers than threads in the big tiers, so some threads must wait
                b.capacity(t, (int) Math.max(2, Math.min(256, (8L << 20) / t.size())));
            }
        }
        LongAdder ops = new LongAdder();
        LongAdder bytes = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        try (TieredBufferPool pools = b.build()) {
            List<Thread> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                final long stamp = 0x10B0F000L + i;
                workers.add(Thread.ofPlatform().name("demo-" + i).start(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    long maxSize = maxTier.size();
                    try {
                        while (!stop.get()) {
                            long size = 1 + (long) (Math.pow(rnd.nextDouble(), 3) * (maxSize - 1));
                            long ticket = pools.acquire(size);
                            MemorySegment buf = pools.segment(ticket);
                            buf.set(ValueLayout.JAVA_LONG, 0, stamp);
                            buf.set(ValueLayout.JAVA_LONG, buf.byteSize() - 8, stamp);
                            Thread.onSpinWait();
                            if (buf.get(ValueLayout.JAVA_LONG, 0) != stamp
                                    || buf.get(ValueLayout.JAVA_LONG, buf.byteSize() - 8) != stamp) {
                                errors.increment(); // someone else wrote into our buffer
                            }
                            pools.release(ticket);
                            ops.increment();
                            bytes.add(buf.byteSize());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            long lastOps = 0;
            while (System.nanoTime() < end) {
                Thread.sleep(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                long now = ops.sum();
                System.out.printf("  %5.1f s  %,12d ops/s%n", (System.nanoTime() - start) / 1e9, now - lastOps);
                lastOps = now;
            }
            stop.set(true);
            for (Thread t : workers) {
                t.join();
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.printf("%n%,d acquire+release pairs in %.2f s: %,.0f ops/s, %s handed out, %d ownership errors%n%n",
                    ops.sum(), elapsed, ops.sum() / elapsed, MemoryBudget.human(bytes.sum()), errors.sum());
            printStats(pools.stats());
            System.out.printf("%nnative memory: %s in use, peak %s, limit %s%n",
                    MemoryBudget.human(MemoryBudget.used()), MemoryBudget.human(MemoryBudget.peak()),
                    MemoryBudget.human(MemoryBudget.limit()));
        }
        return errors.sum() == 0 ? 0 : 1;
    }

    static void printStats(Map<Tier, PoolStats> stats) {
        System.out.printf("%-6s %8s %9s %6s %6s %12s %10s %10s%n",
                "tier", "size", "capacity", "free", "peak", "acquires", "waits", "emptyTries");
        for (Map.Entry<Tier, PoolStats> e : stats.entrySet()) {
            PoolStats s = e.getValue();
            System.out.printf("%-6s %8s %9d %6d %6d %,12d %,10d %,10d%n", e.getKey(),
                    MemoryBudget.human(e.getKey().size()), s.capacity(), s.available(), s.peakInUse(),
                    s.acquires(), s.waits(), s.failedTries());
        }
    }

    static void printPool(BufferPool pool) {
        printStats(Map.of(pool.tier(), pool.stats()));
    }
}
