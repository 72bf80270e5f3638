package dev.iobuf.uring;

import dev.iobuf.memory.AlignedMemory;
import dev.iobuf.memory.NativeSlab;
import dev.iobuf.pool.BufferPool;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A provided-buffer ring ({@code IORING_REGISTER_PBUF_RING}, Linux 5.19): buffers the kernel picks
 * from for operations marked {@link Sqe#bufferSelect(int) buffer select}, such as a
 * {@linkplain Sqe#recvMultishot multishot receive}. Each completion that used one names it by
 * {@linkplain CqeFlags#bufferId(int) buffer id}; the application gives the buffer back with
 * {@link #recycle(int)} once it is done with the data.
 *
 * <p>{@link #ofSlab} cuts one native slab into equal buffers, buffer id {@code i} at offset
 * {@code i * bufferSize}, and publishes them all. {@link #ofPool} takes buffers from a
 * {@link BufferPool}, buffer id = pool index. {@link #create} makes an empty ring to fill with
 * {@link #add} and {@link #advance()}.
 *
 * <p>When every buffer is out, a multishot receive ends with {@code -ENOBUFS} and no
 * {@link CqeFlags#MORE}; recycle buffers and arm it again. With {@code incremental} (Linux 6.12,
 * {@code IOU_PBUF_RING_INC}) the kernel may fill one buffer over several completions: while a CQE
 * carries {@link CqeFlags#BUF_MORE} the buffer stays with the kernel and the next completion for
 * the same id continues where this one ended.
 *
 * <p>The ring memory is page-aligned and owned by this object. Not thread-safe: use it from the
 * ring's thread. {@link #add}, {@link #advance()} and {@link #recycle} allocate nothing.
 */
public final class BufferRing implements AutoCloseable {
    /*
     * Implementation notes.
     *
     * The ring is an array of io_uring_buf entries; its u16 tail overlays entry 0's resv field
     * (base + 14). The kernel owns the head (private to it). The application writes entries at
     * (tail + staged) & mask with plain stores and then store-releases the new tail, so the kernel,
     * which loads the tail with acquire, sees complete entries. The tail is a free-running u16;
     * since entries <= 32768 the difference tail - head never becomes ambiguous. Because a buffer
     * is published at most once at a time (recycled only after the kernel handed it out), the
     * ring never holds more than `entries` buffers.
     */
    /** The most entries a buffer ring may have. */
    public static final int MAX_ENTRIES = 32768;
    /** The largest buffer id: the kernel carries ids in 16 bits. */
    public static final int MAX_BUFFER_ID = 0xFFFF;
    static final int IOU_PBUF_RING_INC = 2;

    private final IoUring ring;
    private final int group;
    private final int entries;
    private final int mask;
    private final boolean incremental;
    private final MemorySegment memory;
    /** The ring's own pages: mapped here and unmapped by close(), never left to the GC while registered. */
    private final NativeSlab ringMemory;
    private final MemorySegment slab;
    private final BufferPool pool;
    private final int[] poolIndices;
    private final int bufferSize;
    private final int count;
    /** Incremental rings of a slab or pool: bytes of each buffer the kernel has filled so far. */
    private final int[] filled;
    /** Incremental rings: whether the kernel still holds each buffer (its last completion had BUF_MORE). */
    private final boolean[] partial;
    private int tail;
    private int staged;
    private boolean closed;

    private BufferRing(IoUring ring, int group, int entries, boolean incremental, MemorySegment slab,
                       int bufferSize, int count, BufferPool pool, int[] poolIndices) {
        if (entries < 1 || entries > MAX_ENTRIES || Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("a buffer ring needs a power-of-two number of entries, 1.."
                    + MAX_ENTRIES + "; got " + entries);
        }
        if (group < 0 || group > 0xFFFF) {
            throw new IllegalArgumentException("buffer group ids are 0..65535, got " + group);
        }
        this.ring = ring;
        this.group = group;
        this.entries = entries;
        this.mask = entries - 1;
        this.incremental = incremental;
        int ids = incremental && slab != null && bufferSize > 0 ? (int) (slab.byteSize() / bufferSize) : 0;
        this.filled = ids > 0 ? new int[ids] : null; // buffer ids of a slab or pool: offset / bufferSize
        this.partial = ids > 0 ? new boolean[ids] : null;
        this.slab = slab;
        this.pool = pool;
        this.poolIndices = poolIndices;
        this.bufferSize = bufferSize;
        this.count = count;
        this.ringMemory = NativeSlab.map(Math.max(entries * BufRingLayout.BYTES, AlignedMemory.pageSize()), false,
                "buffer ring of group " + group);
        this.memory = ringMemory.segment();
        int rc = ring.register().registerBufferRing(memory.address(), entries, group,
                incremental ? IOU_PBUF_RING_INC : 0);
        if (rc < 0) {
            ringMemory.close();
            throw new IoUringException("io_uring_register(REGISTER_PBUF_RING, group " + group + ", "
                    + entries + " entries" + (incremental ? ", incremental" : "") + ")", rc, switch (-rc) {
                        case Errno.EEXIST -> "buffer group " + group + " is already registered on this ring; pick another id";
                        case Errno.EINVAL -> incremental
                                ? "incremental buffer rings (IOU_PBUF_RING_INC) need Linux 6.12; this is "
                                        + System.getProperty("os.version")
                                : "the kernel needs Linux 5.19 for buffer rings";
                        default -> null;
                    });
        }
    }

    /**
     * Registers an empty ring of {@code entries} (a power of two, at most {@value #MAX_ENTRIES})
     * for buffer group {@code group}.
     *
     * @throws IoUringException when the kernel refuses (group taken, kernel too old)
     */
    public static BufferRing create(IoUring ring, int group, int entries, boolean incremental) {
        return new BufferRing(ring, group, entries, incremental, null, 0, 0, null, null);
    }

    /**
     * Registers a ring for group {@code group} holding every {@code bufferSize}-byte buffer of
     * {@code slab} (buffer id {@code i} at offset {@code i * bufferSize}), all published.
     *
     * @throws IllegalArgumentException when the slab is not native, or holds no buffer or more
     *                                  than {@value #MAX_ENTRIES}
     */
    public static BufferRing ofSlab(IoUring ring, int group, MemorySegment slab, int bufferSize, boolean incremental) {
        if (!slab.isNative()) {
            throw new IllegalArgumentException("a buffer ring needs native memory; got a heap segment");
        }
        if (bufferSize < 1) {
            throw new IllegalArgumentException("buffer size must be positive, got " + bufferSize);
        }
        long n = slab.byteSize() / bufferSize;
        if (n < 1 || n > MAX_ENTRIES) {
            throw new IllegalArgumentException("the slab holds " + n + " buffers of " + bufferSize
                    + " bytes; a buffer ring takes 1.." + MAX_ENTRIES);
        }
        int count = (int) n;
        BufferRing br = new BufferRing(ring, group, powerOfTwoAtLeast(count), incremental, slab, bufferSize, count,
                null, null);
        for (int bid = 0; bid < count; bid++) {
            br.add(bid, slab.address() + (long) bid * bufferSize, bufferSize);
        }
        br.advance();
        return br;
    }

    /**
     * Registers a ring for group {@code group} fed with {@code count} buffers acquired from
     * {@code pool} (buffer id = pool index, whole {@code tier().size()} buffers), all published.
     * The ring holds those indices acquired until {@link #close()}, which releases them to the
     * pool; do not use their buffers after closing the ring.
     *
     * @throws IllegalArgumentException when {@code count} is not 1..{@value #MAX_ENTRIES} or the
     *                                  pool's buffers are larger than 2 GiB - 1
     * @throws IllegalStateException    when the pool has fewer than {@code count} buffers available
     */
    public static BufferRing ofPool(IoUring ring, int group, BufferPool pool, int count, boolean incremental) {
        if (pool.capacity() > MAX_BUFFER_ID + 1) {
            // The buffer id is the pool index and the kernel carries it in 16 bits: a larger pool
            // could hand out an index whose id names another owner's buffer.
            throw new IllegalArgumentException("a buffer ring fed from a pool needs a pool of at most "
                    + (MAX_BUFFER_ID + 1) + " buffers (buffer ids are 16-bit), this pool has " + pool.capacity());
        }
        if (count < 1 || count > Math.min(MAX_ENTRIES, pool.capacity())) {
            throw new IllegalArgumentException("a buffer ring takes 1.." + Math.min(MAX_ENTRIES, pool.capacity())
                    + " buffers of this pool, got " + count);
        }
        int[] indices = new int[count];
        for (int i = 0; i < count; i++) {
            indices[i] = pool.tryAcquire();
            if (indices[i] < 0) {
                for (int j = 0; j < i; j++) {
                    pool.release(indices[j]);
                }
                throw new IllegalStateException("the pool has only " + i + " of the " + count
                        + " buffers the ring needs available; release buffers or ask for fewer");
            }
        }
        BufferRing br;
        try {
            br = new BufferRing(ring, group, powerOfTwoAtLeast(count), incremental, pool.slab(), pool.tier().size(),
                    count, pool, indices);
        } catch (RuntimeException e) {
            for (int index : indices) {
                pool.release(index);
            }
            throw e;
        }
        for (int index : indices) {
            br.add(index, pool.address(index), br.bufferSize);
        }
        br.advance();
        return br;
    }

    private static int powerOfTwoAtLeast(int n) {
        return Integer.highestOneBit(n) == n ? n : Integer.highestOneBit(n) << 1;
    }

    /** Stages buffer {@code bid} ({@code len} bytes at {@code addr}); {@link #advance()} publishes it. */
    public void add(int bid, long addr, int len) {
        checkOpen();
        if (bid < 0 || bid > MAX_BUFFER_ID) {
            throw new IllegalArgumentException("buffer id must be 0.." + MAX_BUFFER_ID + ", got " + bid);
        }
        long off = (long) ((tail + staged) & mask) * BufRingLayout.BYTES;
        MemorySegment m = memory;
        m.set(ValueLayout.JAVA_LONG, off + BufRingLayout.ADDR, addr);
        m.set(ValueLayout.JAVA_INT, off + BufRingLayout.LEN, len);
        m.set(ValueLayout.JAVA_SHORT, off + BufRingLayout.BID, (short) bid);
        staged++;
    }

    /** Publishes every buffer staged by {@link #add} to the kernel (one store-release of the tail). */
    public void advance() {
        checkOpen();
        tail += staged;
        staged = 0;
        soTail((short) tail);
    }

    /**
     * Where the data of a completion that used buffer {@code bid} starts in that buffer, to be
     * called once for each such completion, in order. 0 on a ring that is not incremental. On an
     * incremental ring the kernel fills a buffer over several completions: each one's data follows
     * the previous one's, and while a completion carries {@link CqeFlags#BUF_MORE} the buffer
     * stays with the kernel ({@link #recycle} refuses it).
     *
     * @param res   the completion's result (bytes received; nothing is counted for {@code res <= 0})
     * @param flags the completion's flags
     */
    public long dataOffset(int bid, int res, int flags) {
        if (filled == null) {
            return 0;
        }
        int off = filled[bid];
        if ((flags & CqeFlags.BUF_MORE) != 0) {
            filled[bid] = off + Math.max(0, res);
            partial[bid] = true;
        } else {
            filled[bid] = 0;
            partial[bid] = false;
        }
        return off;
    }

    /**
     * Gives buffer {@code bid} of a slab- or pool-fed ring back to the kernel, whole.
     *
     * @throws IllegalStateException on an incremental ring while the kernel still fills the buffer
     *                               (its last completion, passed to {@link #dataOffset}, had BUF_MORE)
     */
    public void recycle(int bid) {
        if (slab == null) {
            throw new IllegalStateException("recycle(bid) needs a ring made by ofSlab or ofPool; "
                    + "use add(bid, addr, len) and advance()");
        }
        if (partial != null && partial[bid]) {
            throw new IllegalStateException("buffer " + bid + " of ring " + group + " is still being filled by the kernel"
                    + " (its last completion carried IORING_CQE_F_BUF_MORE); recycle it after a completion without it");
        }
        add(bid, address(bid), bufferSize);
        advance();
    }

    /** The address of buffer {@code bid} of a slab- or pool-fed ring. */
    public long address(int bid) {
        return slab.address() + (long) bid * bufferSize;
    }

    /** Buffer {@code bid} of a slab- or pool-fed ring, as a view of the slab. */
    public MemorySegment buffer(int bid) {
        return slab.asSlice((long) bid * bufferSize, bufferSize);
    }

    /** The buffer group id to pass to {@link Sqe#bufferSelect(int)} / {@link Sqe#recvMultishot}. */
    public int group() {
        return group;
    }

    /** Ring entries (a power of two). */
    public int entries() {
        return entries;
    }

    /** Buffers of the slab (0 for a ring made by {@link #create}). */
    public int count() {
        return count;
    }

    /** Bytes per buffer of the slab (0 for a ring made by {@link #create}). */
    public int bufferSize() {
        return bufferSize;
    }

    /** Whether the ring was registered for incremental consumption. */
    public boolean incremental() {
        return incremental;
    }

    private void checkOpen() {
        if (closed || ring.isClosed()) {
            throw new IllegalStateException("buffer ring " + group + " is closed" + (ring.isClosed() ? " (its io_uring is closed)" : ""));
        }
    }

    /**
     * Unregisters the ring (nothing to undo when the io_uring is already closed) and, for a ring
     * made by {@link #ofPool}, releases its indices to the pool. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        int rc = ring.isClosed() ? 0 : ring.register().unregisterBufferRing(group);
        if (poolIndices != null && !pool.isClosed()) {
            for (int index : poolIndices) {
                pool.release(index);
            }
        }
        if (rc < 0) {
            // the kernel may still use the ring's pages: leave them mapped rather than risk it
            throw new IoUringException("io_uring_register(UNREGISTER_PBUF_RING, group " + group + ")", rc, null);
        }
        ringMemory.close();
    }

    private void soTail(short value) {
        SHORT.setRelease(memory, BufRingLayout.TAIL, value);
    }

    // VarHandle mechanics
    private static final VarHandle SHORT = ValueLayout.JAVA_SHORT.varHandle();
}
