package dev.iobuf.alloc;

import dev.iobuf.memory.MemoryBudget;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A long random workload (log-uniform sizes 4 KiB to 1 MiB, the live set held between 50% and
 * 75% of the arena) and the fragmentation it leaves, printed as {@code FRAGMENTATION:} lines. The
 * figure is {@link AllocStats#fragmentation()}: the share of free bytes in blocks too small for
 * the largest request (1 MiB). Seeded, so every run prints the same numbers.
 */
class FragmentationReportTest {
    private static final long K = 1024;
    private static final long ARENA = 64 * 1024 * K;
    private static final int STEPS = 200_000;

    @Test
    void buddyPoolAfterALongRandomWorkload() {
        try (BuddyPool pool = BuddyPool.builder().name("frag-buddy").arenaSize(ARENA).hugePages(false).build()) {
            run(pool, () -> pool.trimCaches());
        }
    }

    @Test
    void slabPoolAfterALongRandomWorkload() {
        SlabPool.Builder b = SlabPool.builder().name("frag-slab").oversize(OversizePolicy.FAIL).hugePages(false);
        for (long s = 4 * K; s <= 1024 * K; s <<= 1) {
            b.sizeClass(s, (int) (ARENA / 9 / s)); // the same bytes per class, 64 MiB in all
        }
        try (SlabPool pool = b.build()) {
            run(pool, () -> 0);
        }
    }

    private static void run(BackingPool pool, java.util.function.LongSupplier trim) {
        SplittableRandom rnd = new SplittableRandom(7);
        double lo = Math.log(4 * K);
        double hi = Math.log(1024 * K);
        List<Long> live = new ArrayList<>();
        long liveBytes = 0;
        long failures = 0;
        long failuresWithRoom = 0;
        long arena = pool.stats().arenaBytes();
        for (int step = 0; step < STEPS; step++) {
            boolean grow = liveBytes < arena / 2 || (liveBytes < arena * 3 / 4 && rnd.nextBoolean());
            if (grow || live.isEmpty()) {
                long size = Math.min(1024 * K, (long) Math.exp(lo + rnd.nextDouble() * (hi - lo)));
                long t = pool.allocate(size);
                if (t == Block.FAILED) {
                    failures++;
                    if (arena - liveBytes >= size) {
                        failuresWithRoom++;
                    }
                    if (!live.isEmpty()) {
                        liveBytes -= free(pool, live, rnd);
                    }
                } else {
                    live.add(t);
                    liveBytes += pool.blockSize(t);
                }
            } else {
                liveBytes -= free(pool, live, rnd);
            }
        }
        AllocStats s = pool.stats();
        assertThat(s.usedBytes()).isEqualTo(liveBytes);
        assertThat(s.usedBytes() + s.freeBytes()).isEqualTo(arena);
        assertThat(s.fragmentation()).isBetween(0.0, 1.0);
        long trimmed = trim.getAsLong();
        AllocStats t = pool.stats();
        print(pool.name() + " after " + STEPS + " steps", s, failures, failuresWithRoom);
        if (trimmed > 0) {
            print(pool.name() + " caches trimmed (" + MemoryBudget.human(trimmed) + ")", t, failures, failuresWithRoom);
        }
        for (long b : live) {
            pool.free(b);
        }
        trim.getAsLong();
        AllocStats end = pool.stats();
        assertThat(end.usedBytes()).isZero();
        assertThat(end.freeBytes()).isEqualTo(arena);
        if (pool instanceof BuddyPool) {
            assertThat(end.fragmentation()).isZero();
            assertThat(end.largestFreeBlock()).isEqualTo(arena);
        }
    }

    private static long free(BackingPool pool, List<Long> live, SplittableRandom rnd) {
        int i = rnd.nextInt(live.size());
        long t = live.get(i);
        live.set(i, live.getLast());
        live.removeLast();
        long size = pool.blockSize(t);
        pool.free(t);
        return size;
    }

    private static void print(String what, AllocStats s, long failures, long failuresWithRoom) {
        System.out.printf(Locale.ROOT, "FRAGMENTATION: %s: used %s of %s, free %s, largest free block %s, "
                        + "fragmentation %.3f (%s free in blocks < 1 MiB), failed requests %d (%d with enough free bytes)%n",
                what, MemoryBudget.human(s.usedBytes()), MemoryBudget.human(s.arenaBytes()),
                MemoryBudget.human(s.freeBytes()), MemoryBudget.human(s.largestFreeBlock()), s.fragmentation(),
                MemoryBudget.human(s.fragmentedBytes()), failures, failuresWithRoom);
    }
}
