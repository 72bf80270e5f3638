package dev.iobuf.memory;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The mirror holds, spans across the seam are contiguous, capacities round to pages, close is
 * final, and a producer and a consumer thread move a long deterministic stream through a small
 * ring with every byte arriving once and in order.
 */
class MirroredRingBufferTest {
    private static final long PAGE = AlignedMemory.pageSize();

    /** The byte at position {@code p} of a test stream: a hash, so no lap of the ring repeats another. */
    static byte streamByte(long p) {
        long z = (p ^ (p >>> 31)) * 0xBF58476D1CE4E5B9L;
        z ^= z >>> 29;
        return (byte) (z >>> 56);
    }

    private static void fill(MemorySegment s, long streamPosition) {
        for (long i = 0; i < s.byteSize(); i++) {
            s.set(ValueLayout.JAVA_BYTE, i, streamByte(streamPosition + i));
        }
    }

    /** The stream position of the first byte of {@code s} that is not the stream's, or -1. */
    private static long firstMismatch(MemorySegment s, long streamPosition) {
        for (long i = 0; i < s.byteSize(); i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) != streamByte(streamPosition + i)) {
                return streamPosition + i;
            }
        }
        return -1;
    }

    @Test
    void eachByteIsVisibleInBothViews() {
        try (MirroredRingBuffer ring = MirroredRingBuffer.create(4 * PAGE)) {
            long cap = ring.capacity();
            MemorySegment both = ring.mapping();
            assertThat(both.byteSize()).isEqualTo(2 * cap);
            assertThat(AlignedMemory.isAligned(both, PAGE)).isTrue();
            for (long i : new long[] {0, 1, PAGE - 1, PAGE, 2 * PAGE + 17, cap - 1}) {
                both.set(ValueLayout.JAVA_BYTE, i, (byte) (i + 1));
                assertThat(both.get(ValueLayout.JAVA_BYTE, i + cap)).as("offset %d seen at +capacity", i)
                        .isEqualTo((byte) (i + 1));
                both.set(ValueLayout.JAVA_BYTE, i + cap, (byte) (i + 100));
                assertThat(both.get(ValueLayout.JAVA_BYTE, i)).as("offset %d+capacity seen at %d", i, i)
                        .isEqualTo((byte) (i + 100));
            }
            both.asSlice(cap, cap).fill((byte) 7);
            assertThat(both.asSlice(0, cap).mismatch(both.asSlice(cap, cap))).isEqualTo(-1);
        }
    }

    @Test
    void spansAcrossTheSeamReadBackContiguous() {
        try (MirroredRingBuffer ring = MirroredRingBuffer.create(2 * PAGE);
             Arena arena = Arena.ofConfined()) {
            long cap = ring.capacity();
            long base = ring.mapping().address();
            // Move both positions to three quarters of the ring, so every full span crosses the end.
            long lead = cap * 3 / 4;
            MemorySegment first = arena.allocate(lead);
            fill(first, 0);
            assertThat(ring.write(first)).isEqualTo(lead);
            assertThat(ring.read(arena.allocate(lead))).isEqualTo(lead);
            // writableBytes() reads the consumer's position afresh: the whole ring is free again.
            assertThat(ring.writableBytes()).isEqualTo(cap);

            // one copy across the seam
            MemorySegment src = arena.allocate(cap);
            fill(src, lead);
            assertThat(ring.write(src)).isEqualTo(cap);
            assertThat(ring.writableBytes()).isZero();
            assertThat(ring.writeSegment().byteSize()).isZero();

            MemorySegment in = ring.readSegment();
            assertThat(in.byteSize()).isEqualTo(cap);
            assertThat(in.address()).isEqualTo(ring.readAddress()).isEqualTo(base + lead);
            assertThat(firstMismatch(in, lead)).isEqualTo(-1);
            // The part past the seam is the start of the first view: stream positions from cap.
            assertThat(firstMismatch(ring.mapping().asSlice(0, lead), cap)).isEqualTo(-1);
            ring.commitRead(cap);

            // The ring looks full to the producer, so it re-reads head: a whole ring across the seam.
            assertThat(ring.writableBytes()).isEqualTo(cap);
            MemorySegment span = ring.writeSegment();
            assertThat(span.byteSize()).isEqualTo(cap);
            assertThat(span.address()).isEqualTo(ring.writeAddress()).isEqualTo(base + lead);
            fill(span, lead + cap);
            ring.commitWrite(cap);

            // read(dst) copies across the seam in one call too.
            MemorySegment out = arena.allocate(cap);
            assertThat(ring.read(out)).isEqualTo(cap);
            assertThat(firstMismatch(out, lead + cap)).isEqualTo(-1);
            assertThat(ring.readableBytes()).isZero();
            assertThat(ring.read(out)).isZero();
        }
    }

    @Test
    void partialWritesAndReadsMoveWhatFits() {
        try (MirroredRingBuffer ring = MirroredRingBuffer.create(PAGE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment big = arena.allocate(PAGE + 100);
            fill(big, 0);
            assertThat(ring.write(big)).isEqualTo(PAGE);
            assertThat(ring.write(big)).isZero();
            MemorySegment small = arena.allocate(100);
            assertThat(ring.read(small)).isEqualTo(100);
            assertThat(firstMismatch(small, 0)).isEqualTo(-1);
            assertThat(ring.write(big.asSlice(PAGE, 100))).isEqualTo(100);
            MemorySegment rest = arena.allocate(2 * PAGE);
            assertThat(ring.read(rest)).isEqualTo(PAGE);
            assertThat(firstMismatch(rest.asSlice(0, PAGE), 100)).isEqualTo(-1);
        }
    }

    @Test
    void capacityIsRoundedUpToWholePages() {
        for (long[] c : new long[][] {{1, PAGE}, {PAGE, PAGE}, {PAGE + 1, 2 * PAGE}, {3 * PAGE - 1, 3 * PAGE}}) {
            try (MirroredRingBuffer ring = MirroredRingBuffer.create(c[0])) {
                assertThat(ring.capacity()).as("create(%d)", c[0]).isEqualTo(c[1]);
                assertThat(ring.writableBytes()).isEqualTo(c[1]);
                assertThat(ring.readableBytes()).isZero();
            }
        }
    }

    @Test
    void badCapacitiesAreRejectedByNumber() {
        for (long bad : new long[] {0, -1, Long.MIN_VALUE, MirroredRingBuffer.MAX_CAPACITY + 1, Long.MAX_VALUE}) {
            assertThatThrownBy(() -> MirroredRingBuffer.create(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Long.toString(bad));
        }
    }

    @Test
    void commitsPastTheSpanAreRejected() {
        try (MirroredRingBuffer ring = MirroredRingBuffer.create(PAGE)) {
            assertThatThrownBy(() -> ring.commitWrite(PAGE + 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Long.toString(PAGE + 1));
            assertThatThrownBy(() -> ring.commitWrite(-1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ring.commitRead(1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("commitRead(1)");
            ring.commitWrite(10);
            assertThatThrownBy(() -> ring.commitRead(11)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ring.commitRead(-1)).isInstanceOf(IllegalArgumentException.class);
            ring.commitRead(10);
            ring.commitWrite(0);
            ring.commitRead(0);
            assertThat(ring.readableBytes()).isZero();
            // fresh, not the producer's cached copy of the consumer's position
            assertThat(ring.writableBytes()).isEqualTo(PAGE);
            ring.commitWrite(PAGE);
            assertThat(ring.readableBytes()).isEqualTo(PAGE);
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseThrows() {
        long before = MemoryBudget.used();
        MirroredRingBuffer ring = MirroredRingBuffer.create(3 * PAGE);
        assertThat(MemoryBudget.used() - before).isEqualTo(3 * PAGE);
        MemorySegment span = ring.writeSegment();
        assertThat(ring.isOpen()).isTrue();
        ring.close();
        ring.close();
        assertThat(ring.isOpen()).isFalse();
        assertThat(MemoryBudget.used()).isEqualTo(before);
        assertThat(ring.capacity()).isEqualTo(3 * PAGE);
        MemorySegment one = MemorySegment.ofArray(new byte[1]);
        List<Runnable> uses = List.of(ring::writableBytes, ring::writeSegment, ring::writeAddress,
                () -> ring.commitWrite(0), () -> ring.write(one), ring::readableBytes, ring::readSegment,
                ring::readAddress, () -> ring.commitRead(0), () -> ring.read(one),
                () -> span.get(ValueLayout.JAVA_BYTE, 0));
        for (Runnable use : uses) {
            assertThatThrownBy(use::run).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void theBudgetLimitRefusesARingAndLeavesNothingBehind() {
        long limit = MemoryBudget.limit();
        long before = MemoryBudget.used();
        try {
            MemoryBudget.setLimit(before + PAGE);
            assertThatThrownBy(() -> MirroredRingBuffer.create(2 * PAGE))
                    .isInstanceOf(NativeMemoryExhaustedException.class)
                    .hasMessageContaining("MirroredRingBuffer");
            assertThat(MemoryBudget.used()).isEqualTo(before);
        } finally {
            MemoryBudget.setLimit(limit);
        }
    }

    /**
     * 64 MiB through a 64 KiB ring: the producer writes a deterministic stream in chunks of random
     * size (1 byte to 1.5 rings) by each of the three ways in, the consumer reads it by each of
     * the three ways out and checks every byte. Nothing here measures time; the join timeout only
     * turns a hang into a failure.
     */
    @Test
    void aProducerAndAConsumerThreadMoveEveryByteOnceInOrder() throws Exception {
        long total = 64L << 20;
        try (MirroredRingBuffer ring = MirroredRingBuffer.create(64 * 1024)) {
            long cap = ring.capacity();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long[] produced = new long[1];
            long[] consumed = new long[1];
            Thread producer = Thread.ofPlatform().name("ring-producer").unstarted(() -> {
                Random rnd = new Random(42);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment scratch = arena.allocate(2 * cap);
                    long pos = 0;
                    while (pos < total && failure.get() == null) {
                        long want = Math.min(chunk(rnd, cap), total - pos);
                        int mode = rnd.nextInt(3);
                        long n;
                        if (mode == 0) {
                            MemorySegment span = ring.writeSegment();
                            check(span.byteSize() <= cap, "writable span of " + span.byteSize());
                            n = Math.min(want, span.byteSize());
                            fill(span.asSlice(0, n), pos);
                            ring.commitWrite(n);
                        } else if (mode == 1) {
                            MemorySegment src = scratch.asSlice(0, want);
                            fill(src, pos);
                            n = ring.write(src);
                        } else {
                            n = Math.min(want, ring.writableBytes());
                            fill(MemorySegment.ofAddress(ring.writeAddress()).reinterpret(n), pos);
                            ring.commitWrite(n);
                        }
                        pos += n;
                        produced[0] = pos;
                        if (n == 0) {
                            Thread.yield();
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            Thread consumer = Thread.ofPlatform().name("ring-consumer").unstarted(() -> {
                Random rnd = new Random(43);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment scratch = arena.allocate(2 * cap);
                    long pos = 0;
                    while (pos < total && failure.get() == null) {
                        long want = chunk(rnd, cap);
                        int mode = rnd.nextInt(3);
                        long n;
                        MemorySegment got;
                        if (mode == 0) {
                            MemorySegment span = ring.readSegment();
                            check(span.byteSize() <= cap, "readable span of " + span.byteSize());
                            n = Math.min(want, span.byteSize());
                            got = span.asSlice(0, n);
                        } else if (mode == 1) {
                            n = ring.read(scratch.asSlice(0, want));
                            got = scratch.asSlice(0, n);
                        } else {
                            n = Math.min(want, ring.readableBytes());
                            got = MemorySegment.ofAddress(ring.readAddress()).reinterpret(n);
                        }
                        check(pos + n <= total, "read past the end of the stream: " + (pos + n));
                        long bad = firstMismatch(got, pos);
                        check(bad < 0, "stream byte " + bad + " is wrong (lap " + bad / cap + ", way out " + mode + ")");
                        if (mode != 1) {
                            ring.commitRead(n);
                        }
                        pos += n;
                        consumed[0] = pos;
                        if (n == 0) {
                            Thread.yield();
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            producer.start();
            consumer.start();
            boolean finished = consumer.join(Duration.ofSeconds(20)) & producer.join(Duration.ofSeconds(2));
            if (!finished) {
                failure.compareAndSet(null, new AssertionError("the stream stalled: producer at " + produced[0]
                        + ", consumer at " + consumed[0] + " of " + total));
                producer.join(Duration.ofSeconds(5));
                consumer.join(Duration.ofSeconds(5));
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertThat(ring.readableBytes()).isZero();
            assertThat(ring.write(MemorySegment.ofArray(new byte[(int) cap]))).isEqualTo(cap);
        }
    }

    /** A chunk size: a third tiny, a third up to a page, a third up to one and a half rings. */
    private static long chunk(Random rnd, long cap) {
        return switch (rnd.nextInt(3)) {
            case 0 -> 1 + rnd.nextInt(64);
            case 1 -> 1 + rnd.nextInt((int) PAGE);
            default -> 1 + rnd.nextInt((int) (cap + cap / 2));
        };
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    // ---- property: one thread, random steps, against a model of two counters ----

    /** One step: write (or read, when {@code read}) up to {@code size} bytes by the way {@code way}. */
    record Step(boolean read, int size, int way) {
        @Override
        public String toString() {
            return (read ? "read" : "write") + "(" + size + ", way " + way + ")";
        }
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Integer> size = Arbitraries.integers().between(0, (int) (3 * PAGE))
                .edgeCases(c -> c.add(0).add(1).add((int) PAGE).add((int) (2 * PAGE)));
        return net.jqwik.api.Combinators.combine(Arbitraries.of(true, false), size, Arbitraries.integers().between(0, 2))
                .as(Step::new).list().ofMaxSize(200);
    }

    @Property(tries = 200)
    void randomStepsMatchTheModel(@ForAll("steps") List<Step> steps) {
        try (MirroredRingBuffer ring = MirroredRingBuffer.create(2 * PAGE);
             Arena arena = Arena.ofConfined()) {
            long cap = ring.capacity();
            MemorySegment scratch = arena.allocate(3 * PAGE);
            long written = 0;
            long read = 0;
            for (Step s : steps) {
                long modelFree = cap - (written - read);
                long modelReadable = written - read;
                if (!s.read()) {
                    long offered = ring.writableBytes();
                    assertThat(offered).as("writable bytes before %s", s).isBetween(modelFree == 0 ? 0L : 1L, modelFree);
                    long n;
                    if (s.way() == 0) {
                        // write(src) re-reads the consumer's index when its copy is too small: exact.
                        MemorySegment src = scratch.asSlice(0, s.size());
                        fill(src, written);
                        n = ring.write(src);
                        assertThat(n).as(s.toString()).isEqualTo(Math.min(s.size(), modelFree));
                    } else {
                        n = Math.min(s.size(), offered);
                        fill(s.way() == 1 ? ring.writeSegment().asSlice(0, n)
                                : MemorySegment.ofAddress(ring.writeAddress()).reinterpret(n), written);
                        ring.commitWrite(n);
                    }
                    written += n;
                } else {
                    long offered = ring.readableBytes();
                    assertThat(offered).as("readable bytes before %s", s).isBetween(modelReadable == 0 ? 0L : 1L, modelReadable);
                    long n;
                    MemorySegment got;
                    if (s.way() == 0) {
                        n = ring.read(scratch.asSlice(0, s.size()));
                        assertThat(n).as(s.toString()).isEqualTo(Math.min(s.size(), modelReadable));
                        got = scratch.asSlice(0, n);
                    } else {
                        n = Math.min(s.size(), offered);
                        got = s.way() == 1 ? ring.readSegment().asSlice(0, n)
                                : MemorySegment.ofAddress(ring.readAddress()).reinterpret(n);
                    }
                    assertThat(firstMismatch(got, read)).as("first wrong stream byte after %s", s).isEqualTo(-1);
                    if (s.way() != 0) {
                        ring.commitRead(n);
                    }
                    read += n;
                }
            }
            // Draining by read(dst) re-reads the producer's index: everything written comes out.
            MemorySegment rest = scratch.asSlice(0, cap);
            long n = ring.read(rest);
            assertThat(n).isEqualTo(written - read);
            assertThat(firstMismatch(rest.asSlice(0, n), read)).isEqualTo(-1);
        }
    }
}
