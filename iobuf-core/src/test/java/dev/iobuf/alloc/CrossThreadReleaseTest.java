package dev.iobuf.alloc;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several threads allocate buffers, stamp every byte with a value unique to that allocation, and
 * hand them through a shared queue to whichever thread comes next, which checks every byte and
 * closes the buffer on its own thread. A block handed to two owners at once, or returned to the
 * wrong place, shows up as a wrong stamp. At the end every byte is back: nothing outstanding,
 * nothing in use, and (for the buddy pool) the arena coalesced into one block again.
 */
class CrossThreadReleaseTest {
    private static final long K = 1024;
    private static final int THREADS = 4;
    private static final int OPS_PER_THREAD = 20_000;
    private static final int IN_FLIGHT = 64;

    record Stamped(FixedBuf buf, long stamp) {
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"buddy", "buddy-no-cache", "slab", "slab+buddy"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void blocksReleasedOnOtherThreadsAreNeverSharedAndAllComeBack(String kind) throws Exception {
        Supplier<BackingPool> arena = switch (kind) {
            case "buddy" -> () -> BuddyPool.builder().name(kind).arenaSize(8192 * K).minBlockSize(4 * K)
                    .cacheCapacity(16).hugePages(false).build();
            case "buddy-no-cache" -> () -> BuddyPool.builder().name(kind).arenaSize(8192 * K).minBlockSize(4 * K)
                    .cacheCapacity(0).hugePages(false).build();
            case "slab" -> () -> SlabPool.builder().name(kind).sizeClass(4 * K, 24).sizeClass(16 * K, 24)
                    .sizeClass(64 * K, 24).oversize(OversizePolicy.FAIL).hugePages(false).build();
            default -> () -> SlabPool.builder().name(kind).sizeClass(4 * K, 8).sizeClass(16 * K, 8)
                    .oversizeToBuddy(BuddyPool.builder().arenaSize(4096 * K).cacheCapacity(8).hugePages(false))
                    .hugePages(false).build();
        };
        long maxSize = kind.startsWith("slab") && !kind.contains("+") ? 64 * K : 256 * K;
        RecordingRegistrar reg = new RecordingRegistrar();
        RegisteredPool pool = RegisteredPool.builder(reg, arena).name(kind).leakDetector(LeakDetector.off()).build();
        ArrayBlockingQueue<Stamped> handOff = new ArrayBlockingQueue<>(IN_FLIGHT);
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong served = new AtomicLong();
        AtomicLong exhausted = new AtomicLong();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            final long id = t;
            threads.add(Thread.ofPlatform().name("xthread-" + t).start(() -> {
                SplittableRandom rnd = new SplittableRandom(42 + id);
                try {
                    start.await();
                    for (int op = 0; op < OPS_PER_THREAD && failure.get() == null; op++) {
                        long size = 1 + rnd.nextLong(maxSize);
                        FixedBuf buf = pool.tryAllocate(size);
                        if (buf == null) {
                            exhausted.incrementAndGet();
                        } else {
                            served.incrementAndGet();
                            long stamp = (id << 48) | ((long) op << 16) | 0x5A5A;
                            stamp(buf.segment(), stamp);
                            if (!handOff.offer(new Stamped(buf, stamp))) {
                                check(buf, stamp, failure);
                                buf.close();
                            }
                        }
                        Stamped other = handOff.poll();
                        if (other != null) {
                            check(other.buf(), other.stamp(), failure);
                            other.buf().close();
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, Thread.currentThread().getName() + ": " + e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(100));
            assertThat(t.isAlive()).as("%s finished", t.getName()).isFalse();
        }
        Stamped left;
        while ((left = handOff.poll()) != null) {
            check(left.buf(), left.stamp(), failure);
            left.buf().close();
        }
        assertThat(failure.get()).isNull();
        assertThat(served.get()).as("most requests were served").isGreaterThan(exhausted.get());
        // Conservation.
        assertThat(pool.allocations()).isEqualTo(served.get());
        pool.assertNoOutstanding();
        for (BackingPool p : pool.arenas()) {
            assertThat(p.stats().usedBytes()).as("bytes in use in %s", p.name()).isZero();
            if (p instanceof BuddyPool b) {
                assertBuddyWhole(b);
            } else if (p instanceof SlabPool s) {
                AllocStats st = s.stats();
                assertThat(st.sizes()).allSatisfy(c -> assertThat(c.inUse()).isZero());
                assertThat(st.sizes().stream().mapToLong(SizeClassStats::free).boxed().toList())
                        .isEqualTo(s.classCounts().stream().map(Integer::longValue).toList());
                if (s.fallback() != null) {
                    assertBuddyWhole(s.fallback());
                }
            }
        }
        pool.close();
    }

    private static void assertBuddyWhole(BuddyPool b) {
        assertThat(b.stats().usedBytes()).isZero();
        b.trimCaches();
        AllocStats st = b.stats();
        assertThat(st.freeBytes()).isEqualTo(b.arenaSize());
        assertThat(st.largestFreeBlock()).isEqualTo(b.arenaSize());
    }

    private static void stamp(MemorySegment seg, long stamp) {
        for (long off = 0; off < seg.byteSize(); off += 8) {
            seg.set(ValueLayout.JAVA_LONG_UNALIGNED, off, stamp ^ off);
        }
    }

    private static void check(FixedBuf buf, long stamp, AtomicReference<String> failure) {
        MemorySegment seg = buf.segment();
        for (long off = 0; off < seg.byteSize(); off += 8) {
            long v = seg.get(ValueLayout.JAVA_LONG_UNALIGNED, off);
            if (v != (stamp ^ off)) {
                failure.compareAndSet(null, "byte " + off + " of " + buf + " holds " + Long.toHexString(v)
                        + ", expected " + Long.toHexString(stamp ^ off) + ": the block had another owner");
                return;
            }
        }
    }
}
