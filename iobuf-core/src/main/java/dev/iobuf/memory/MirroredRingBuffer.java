package dev.iobuf.memory;

import dev.iobuf.internal.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A single-producer single-consumer byte stream in native memory whose every readable and
 * writable span is contiguous: the ring's memory is mapped twice, back to back, so the bytes
 * past its end are its beginning again and no read or write ever has to be split at the wrap.
 * A span can go to {@code recv}, {@code send} or a {@code memcpy} whole, wherever it starts.
 *
 * <pre>{@code
 * try (MirroredRingBuffer ring = MirroredRingBuffer.create(64 * 1024)) {
 *     // producer thread: write into the free span in place, then publish
 *     MemorySegment free = ring.writeSegment();          // writableBytes() bytes, one span
 *     free.setString(0, "hello");
 *     ring.commitWrite(6);
 *
 *     // consumer thread: read the published span in place, then give it back
 *     MemorySegment data = ring.readSegment();           // readableBytes() bytes, one span
 *     String s = data.getString(0);
 *     ring.commitRead(data.byteSize());
 * }
 * }</pre>
 *
 * <p>One thread produces ({@link #writableBytes()}, {@link #writeSegment()},
 * {@link #writeAddress()}, {@link #commitWrite(long)}, {@link #write(MemorySegment)}) and one
 * thread consumes ({@link #readableBytes()}, {@link #readSegment()}, {@link #readAddress()},
 * {@link #commitRead(long)}, {@link #read(MemorySegment)}); the two may be the same thread, and a
 * side may pass from one thread to another with a happens-before edge between them (a lock, a
 * queue, {@link Thread#join()}). Bytes committed by the producer are visible to the consumer
 * once it sees them readable, and bytes given back by the consumer are not overwritten before
 * it has finished reading them. Nothing blocks: a full ring shows zero writable bytes, an empty
 * one zero readable bytes, and the caller decides how to wait.
 *
 * <p>{@link #writableBytes()} and {@link #readableBytes()} read the other side's position each
 * time, so waiting in a loop for {@code writableBytes() >= n} ends once the consumer made room.
 *
 * <p>Nothing on the data path allocates except {@link #writeSegment()} and
 * {@link #readSegment()}, which return a slice (a small object, often removed by escape analysis);
 * {@link #writeAddress()} and {@link #readAddress()} give the same span's address as a
 * {@code long} for io_uring and other native calls. The ring's memory is counted in the
 * {@link MemoryBudget} while it is open. {@link #close()} unmaps it: call it when neither side is
 * in a call, and use no address obtained before; segments obtained before then throw
 * {@link IllegalStateException} when used, and so does every method but {@code close()} and
 * {@link #capacity()}.
 */
public final class MirroredRingBuffer extends MirroredRingPad2 implements AutoCloseable {
    /*
     * Implementation notes.
     *
     * The mirror. create() makes an anonymous file of capacity bytes (memfd_create, then
     * ftruncate), reserves 2*capacity bytes of address space with an anonymous PROT_NONE mapping,
     * and maps the file MAP_SHARED|MAP_FIXED over the reservation twice: at base and at
     * base+capacity. Both halves are views of the same page-cache pages, so the byte at
     * base+o+capacity is the byte at base+o for every o < capacity. A span starts at an offset
     * below capacity and is at most capacity long, so it ends at most at 2*capacity: always inside
     * the mapping, never split. The reservation is what makes the two MAP_FIXED calls safe: they
     * replace our own PROT_NONE pages, never a mapping another thread made in the meantime. The fd
     * is closed once both views exist (the mappings keep the file alive) and one munmap of the
     * 2*capacity region at close frees it all. The capacity is a multiple of the page size; on
     * x86-64 and aarch64 (physically tagged caches, SHMLBA equal to the page size) two virtual
     * views of one page are coherent with no further care.
     *
     * Positions. head (consumed) and tail (committed) only grow; their difference is the
     * readable count and position % capacity is the offset in the first view. At 10 GB/s a
     * signed long of bytes lasts 29 years.
     *
     * Memory ordering. The producer writes the bytes with plain stores, then publishes tail with
     * setRelease; the consumer reads tail with getAcquire before it reads bytes below it. So every
     * byte below an acquired tail is visible. The other way, the consumer reads the bytes, then
     * publishes head with setRelease; the producer reads head with getAcquire before it writes
     * bytes below head + capacity, so the consumer's reads of a lap happen before the producer's
     * writes of the next. On x86-64 both are plain moves; on aarch64 stlr and ldar.
     *
     * Cached indices. writableBytes() and readableBytes() always read the other side's index
     * (a caller may wait in a loop on them). write(src) and read(dst) read it only when their copy
     * of the other's index is not enough: the producer refreshes headCache when it shows the ring full (or too full
     * for a write(src)), the consumer refreshes tailCache when it shows the ring empty (or too
     * empty for a read(dst)). A stale copy is safe: head and tail only grow, so a stale headCache
     * understates the free space and a stale tailCache the readable bytes, and each copy was
     * itself read with acquire, so the bytes it covers are visible. In a steady stream each side
     * touches the other's cache line once per lap of what the copy said, not once per call.
     *
     * Layout. tail with headCache and head with tailCache each sit alone between 128 bytes of
     * padding (MirroredRingBufferFields), so the producer's stores never invalidate the line the
     * consumer writes, and the reverse; the final fields below are only read after construction.
     *
     * Closing. The mapping belongs to a shared arena whose cleanup unmaps it and returns the
     * bytes to the budget; closing a shared arena invalidates every segment and slice at once.
     * The liveness check on each call is a plain read of the arena's state: a call racing with
     * close() is the caller's error, caught by the arena for segment accesses, not for addresses.
     */

    /** The largest capacity {@link #create} accepts: 2^40 bytes (1 TiB, 2 TiB of address space). */
    public static final long MAX_CAPACITY = 1L << 40;

    private static final String MEMFD_NAME = "iobuf-ring";
    private static final VarHandle TAIL;
    private static final VarHandle HEAD;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(MirroredRingProducer.class, "tail", long.class);
            HEAD = lookup.findVarHandle(MirroredRingConsumer.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long capacity;
    private final long base;
    private final Arena arena;
    /** Both views: 2 * capacity bytes from base. */
    private final MemorySegment mapping;

    private MirroredRingBuffer(long capacity, long base, Arena arena, MemorySegment mapping) {
        this.capacity = capacity;
        this.base = base;
        this.arena = arena;
        this.mapping = mapping;
    }

    /**
     * Maps a ring of at least {@code capacity} bytes, rounded up to a multiple of the page size.
     *
     * @param capacity bytes the ring holds, from 1 to {@link #MAX_CAPACITY}
     * @throws IllegalArgumentException       for a capacity below 1 or above {@link #MAX_CAPACITY}
     * @throws NativeMemoryExhaustedException over the {@link MemoryBudget} limit, or when one of
     *                                        the system calls fails (the message names the call
     *                                        and the error); nothing is left mapped or open
     */
    public static MirroredRingBuffer create(long capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("ring capacity must be positive, got " + capacity);
        }
        if (capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("ring capacity " + capacity + " is larger than the most a mirrored ring"
                    + " can be, " + MAX_CAPACITY + " bytes (" + MemoryBudget.human(MAX_CAPACITY) + ")");
        }
        long cap = AlignedMemory.alignUp(capacity, AlignedMemory.pageSize());
        long span = 2 * cap;
        String what = "MirroredRingBuffer of " + MemoryBudget.human(cap);
        MemoryBudget.reserve(cap, what);
        int fd = -1;
        long base = 0;
        Arena arena = null;
        boolean done = false;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoState(call);
            fd = check(Libc.memfdCreate(errno, call.allocateFrom(MEMFD_NAME).address(), Libc.MFD_CLOEXEC),
                    "memfd_create(\"" + MEMFD_NAME + "\", MFD_CLOEXEC)", what);
            check(Libc.ftruncate(errno, fd, cap), "ftruncate(memfd, " + cap + ")", what);
            base = check(Libc.mmap(errno, 0L, span, Libc.PROT_NONE,
                    Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1, 0L),
                    "mmap of " + span + " bytes PROT_NONE (the reservation)", what);
            for (long view = base; view < base + span; view += cap) {
                long at = check(Libc.mmap(errno, view, cap, Libc.PROT_READ | Libc.PROT_WRITE,
                        Libc.MAP_SHARED | Libc.MAP_FIXED, fd, 0L),
                        "mmap of the memfd MAP_SHARED|MAP_FIXED at base+" + (view - base), what);
                if (at != view) {
                    throw new NativeMemoryExhaustedException("mmap MAP_FIXED for " + what + " returned 0x"
                            + Long.toHexString(at) + " instead of 0x" + Long.toHexString(view));
                }
            }
            // The two views keep the file alive. Linux releases the descriptor even if close fails.
            Libc.close(errno, fd);
            fd = -1;
            arena = Arena.ofShared();
            final long start = base;
            MemorySegment mapping = MemorySegment.ofAddress(start).reinterpret(span, arena, s -> {
                Libc.munmap(Libc.IGNORED_ERRNO, start, span);
                MemoryBudget.release(cap);
            });
            done = true;
            return new MirroredRingBuffer(cap, base, arena, mapping);
        } finally {
            if (!done) {
                if (arena != null) {
                    arena.close();
                }
                if (base != 0) {
                    Libc.munmap(Libc.IGNORED_ERRNO, base, span);
                }
                if (fd >= 0) {
                    Libc.close(Libc.IGNORED_ERRNO, fd);
                }
                MemoryBudget.release(cap);
            }
        }
    }

    private static long check(long rc, String call, String what) {
        if (rc < 0) {
            int errno = (int) -rc;
            throw new NativeMemoryExhaustedException(call + " for " + what + " failed: errno " + errno
                    + " (" + Libc.strerror(errno) + ")");
        }
        return rc;
    }

    private static int check(int rc, String call, String what) {
        return (int) check((long) rc, call, what);
    }

    /** The bytes the ring holds: the requested capacity rounded up to a multiple of the page size. */
    public long capacity() {
        return capacity;
    }

    // ---- producer side ----

    /**
     * Producer: how many bytes may be written now, in one contiguous span from
     * {@link #writeSegment()} or {@link #writeAddress()}, as of the consumer's last
     * {@link #commitRead}. Zero only when the ring is full.
     */
    public long writableBytes() {
        ensureOpen();
        // always fresh: a caller may wait in a loop for room, which a stale cache would never show
        headCache = (long) HEAD.getAcquire(this);
        return capacity - (tail - headCache);
    }

    /**
     * Producer: the writable span, {@link #writableBytes()} long (possibly empty); it may cross
     * the seam between the two views, which is invisible to the caller. Returns a slice, a small
     * object; {@link #writeAddress()} allocates nothing.
     */
    public MemorySegment writeSegment() {
        long n = writableBytes();
        return mapping.asSlice(tail % capacity, n);
    }

    /**
     * Producer: the address where the writable span starts; {@link #writableBytes()} bytes from
     * it may be written (for a native call such as an io_uring read). Valid until {@link #close()}.
     */
    public long writeAddress() {
        ensureOpen();
        return base + tail % capacity;
    }

    /**
     * Producer: publishes the next {@code n} bytes of the writable span to the consumer.
     *
     * @param n bytes written at the start of the writable span, from 0 to {@link #writableBytes()}
     * @throws IllegalArgumentException if {@code n} is negative or more than is writable
     */
    public void commitWrite(long n) {
        ensureOpen();
        long t = tail;
        if (n < 0 || n > capacity - (t - headCache)) {
            if (n >= 0) {
                headCache = (long) HEAD.getAcquire(this);
            }
            if (n < 0 || n > capacity - (t - headCache)) {
                throw new IllegalArgumentException("commitWrite(" + n + "): " + (capacity - (t - headCache))
                        + " bytes are writable");
            }
        }
        TAIL.setRelease(this, t + n);
    }

    /**
     * Producer: copies as much of {@code src} into the ring as fits and publishes it.
     *
     * @return bytes copied, from 0 (the ring is full) to {@code src.byteSize()}
     */
    public long write(MemorySegment src) {
        ensureOpen();
        long want = src.byteSize();
        long t = tail;
        long free = capacity - (t - headCache);
        if (free < want) {
            headCache = (long) HEAD.getAcquire(this);
            free = capacity - (t - headCache);
        }
        long n = Math.min(want, free);
        if (n > 0) {
            MemorySegment.copy(src, 0, mapping, t % capacity, n);
            TAIL.setRelease(this, t + n);
        }
        return n;
    }

    // ---- consumer side ----

    /**
     * Consumer: how many bytes may be read now, in one contiguous span from
     * {@link #readSegment()} or {@link #readAddress()}, as of the producer's last
     * {@link #commitWrite}. Zero only when the ring is empty.
     */
    public long readableBytes() {
        ensureOpen();
        tailCache = (long) TAIL.getAcquire(this);
        return tailCache - head;
    }

    /**
     * Consumer: the readable span, {@link #readableBytes()} long (possibly empty); it may cross
     * the seam between the two views, which is invisible to the caller. Returns a slice, a small
     * object; {@link #readAddress()} allocates nothing.
     */
    public MemorySegment readSegment() {
        long n = readableBytes();
        return mapping.asSlice(head % capacity, n);
    }

    /**
     * Consumer: the address where the readable span starts; {@link #readableBytes()} bytes from it
     * may be read (for a native call such as an io_uring write). Valid until {@link #close()}.
     */
    public long readAddress() {
        ensureOpen();
        return base + head % capacity;
    }

    /**
     * Consumer: gives the next {@code n} bytes of the readable span back to the producer; read
     * nothing of them afterwards.
     *
     * @param n bytes consumed from the start of the readable span, from 0 to {@link #readableBytes()}
     * @throws IllegalArgumentException if {@code n} is negative or more than is readable
     */
    public void commitRead(long n) {
        ensureOpen();
        long h = head;
        if (n < 0 || n > tailCache - h) {
            if (n >= 0) {
                tailCache = (long) TAIL.getAcquire(this);
            }
            if (n < 0 || n > tailCache - h) {
                throw new IllegalArgumentException("commitRead(" + n + "): " + (tailCache - h) + " bytes are readable");
            }
        }
        HEAD.setRelease(this, h + n);
    }

    /**
     * Consumer: copies as many readable bytes as fit into {@code dst} and gives them back to the
     * producer.
     *
     * @return bytes copied, from 0 (the ring is empty) to {@code dst.byteSize()}
     */
    public long read(MemorySegment dst) {
        ensureOpen();
        long want = dst.byteSize();
        long h = head;
        long available = tailCache - h;
        if (available < want) {
            tailCache = (long) TAIL.getAcquire(this);
            available = tailCache - h;
        }
        long n = Math.min(want, available);
        if (n > 0) {
            MemorySegment.copy(mapping, h % capacity, dst, 0, n);
            HEAD.setRelease(this, h + n);
        }
        return n;
    }

    // ---- lifecycle ----

    /** Whether the ring is still mapped. */
    public boolean isOpen() {
        return mapping.scope().isAlive();
    }

    /**
     * Unmaps the ring and returns its memory to the {@link MemoryBudget}. Every segment obtained
     * from it becomes inaccessible. Closing twice does nothing.
     *
     * @throws IllegalStateException if another thread is in the middle of an access that holds
     *                               the arena (the FFM rule for shared arenas)
     */
    @Override
    public void close() {
        if (mapping.scope().isAlive()) {
            try {
                arena.close();
            } catch (IllegalStateException alreadyClosed) {
                if (mapping.scope().isAlive()) {
                    throw alreadyClosed;
                }
            }
        }
    }

    /** Both views, 2 * capacity bytes: for tests of the mirror. */
    MemorySegment mapping() {
        return mapping;
    }

    private void ensureOpen() {
        if (!mapping.scope().isAlive()) {
            throw new IllegalStateException("the MirroredRingBuffer is closed");
        }
    }
}
