package dev.iobuf.memory;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A native array of {@code struct iovec}, for {@code readv}/{@code writev}, {@code sendmsg} and
 * buffer registration ({@code IORING_REGISTER_BUFFERS}).
 *
 * <pre>
 * struct iovec (16 bytes on LP64)
 *  0       8       16
 *  +-------+-------+
 *  | base  |  len  |
 *  +-------+-------+
 * </pre>
 *
 * <p>The array is allocated once with a fixed number of entries and can be refilled for each
 * call; {@link #count()} says how many of them a syscall should read. It is not thread-safe.
 * A segment put into an entry must stay alive for as long as the kernel may use the array.
 */
public final class IoVec {
    /** The native layout of one {@code struct iovec}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("iov_base"),
            ValueLayout.JAVA_LONG.withName("iov_len"));
    /** Bytes per entry. */
    public static final long BYTES = LAYOUT.byteSize();
    private static final long OFFSET_BASE = 0;
    private static final long OFFSET_LEN = 8;

    private final MemorySegment array;
    private final int capacity;
    private int count;

    private IoVec(MemorySegment array, int capacity) {
        this.array = array;
        this.capacity = capacity;
    }

    /** An array of {@code capacity} empty entries, cache-line aligned. */
    public static IoVec allocate(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("an iovec array needs at least 1 entry, got " + capacity);
        }
        return new IoVec(AlignedMemory.allocate(capacity * BYTES, AlignedMemory.cacheLineSize()), capacity);
    }

    /** An array describing exactly {@code segments}, in order. */
    public static IoVec of(MemorySegment... segments) {
        IoVec v = allocate(Math.max(1, segments.length));
        for (MemorySegment s : segments) {
            v.add(s);
        }
        return v;
    }

    /** Appends an entry for the whole of {@code segment}; returns this. */
    public IoVec add(MemorySegment segment) {
        Objects.requireNonNull(segment, "segment");
        if (!segment.isNative()) {
            throw new IllegalArgumentException("an iovec can only describe native memory, got a heap segment");
        }
        return add(segment.address(), segment.byteSize());
    }

    /** Appends an entry for {@code length} bytes at {@code address}; returns this. */
    public IoVec add(long address, long length) {
        if (count == capacity) {
            throw new IllegalStateException("iovec array is full (" + capacity + " entries)");
        }
        set(count, address, length);
        count++;
        return this;
    }

    /** Sets entry {@code i} (below {@link #capacity()}) without changing the count. */
    public void set(int i, long address, long length) {
        Objects.checkIndex(i, capacity);
        if (length < 0) {
            throw new IllegalArgumentException("iovec length must be >= 0, got " + length);
        }
        long off = i * BYTES;
        array.set(ValueLayout.JAVA_LONG, off + OFFSET_BASE, address);
        array.set(ValueLayout.JAVA_LONG, off + OFFSET_LEN, length);
    }

    /** Empties the array for refilling. */
    public void clear() {
        count = 0;
    }

    /** Sets how many entries a syscall reads (entries filled with {@link #set}). */
    public void count(int count) {
        Objects.checkFromToIndex(0, count, capacity);
        this.count = count;
    }

    /** Entries in use. */
    public int count() {
        return count;
    }

    /** Entries this array can hold. */
    public int capacity() {
        return capacity;
    }

    /** The base address of entry {@code i}. */
    public long base(int i) {
        Objects.checkIndex(i, capacity);
        return array.get(ValueLayout.JAVA_LONG, i * BYTES + OFFSET_BASE);
    }

    /** The length of entry {@code i}. */
    public long length(int i) {
        Objects.checkIndex(i, capacity);
        return array.get(ValueLayout.JAVA_LONG, i * BYTES + OFFSET_LEN);
    }

    /** The sum of the lengths of the entries in use. */
    public long totalLength() {
        long sum = 0;
        for (int i = 0; i < count; i++) {
            sum += length(i);
        }
        return sum;
    }

    /** The address of the array, for a syscall argument. */
    public long address() {
        return array.address();
    }

    /** The native array itself (all {@link #capacity()} entries). */
    public MemorySegment segment() {
        return array;
    }
}
