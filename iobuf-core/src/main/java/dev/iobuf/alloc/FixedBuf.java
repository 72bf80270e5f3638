package dev.iobuf.alloc;

import dev.iobuf.memory.MemoryBudget;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.util.concurrent.atomic.LongAdder;

/**
 * A buffer a user holds: a block of a pool's arena, where it is registered with the kernel, and
 * the obligation to {@link #close()} it.
 *
 * <p>{@link #bufferIndex()} is the index under which the block's region is registered (what an
 * io_uring {@code READ_FIXED}/{@code WRITE_FIXED} takes as {@code buf_index}), and
 * {@link #bufferOffset()} the block's offset inside that registered buffer; a block outside every
 * registered region (an oversize block of a {@link SlabPool}) reports {@link #UNREGISTERED} for
 * both and {@link #isRegistered()} {@code false}.
 *
 * <p>Fresh handles, not generation stamps: every allocation returns a new handle object, and a
 * handle is closed exactly once. So a stale handle never aliases a later owner's buffer: after
 * {@link #close()}, {@link #segment()}, {@link #address()}, {@link #bufferIndex()},
 * {@link #bufferOffset()} and a second {@link #close()} throw {@link IllegalStateException}, always,
 * however often the block has been reused since. The segment returned by {@link #segment()} is a
 * view of the arena; do not keep it past {@code close()}, since the pool cannot revoke it (it stays
 * accessible until the pool is closed).
 *
 * <p>{@link #close()} may be called from any thread; the block goes back to its pool without a
 * lock, except into a buddy pool whose cache for that size is full (it merges under its lock) and
 * for an unregistered oversize block (it is unmapped).
 */
public final class FixedBuf implements AutoCloseable {
    /** {@link #bufferIndex()} and {@link #bufferOffset()} of a block outside every registered region. */
    public static final int UNREGISTERED = -1;

    private final BufPool pool;
    private final BackingPool arena;
    private final long block;
    private final MemorySegment segment;
    private final int bufferIndex;
    private final long bufferOffset;
    private final LongAdder releases;
    private LeakTracker tracker;
    private volatile boolean open = true;

    FixedBuf(BufPool pool, BackingPool arena, long block, int bufferIndex, long bufferOffset, LongAdder releases) {
        this.pool = pool;
        this.arena = arena;
        this.block = block;
        this.segment = arena.segment(block);
        this.bufferIndex = bufferIndex;
        this.bufferOffset = bufferOffset;
        this.releases = releases;
    }

    /** Set by the pool before the handle is handed out. */
    void tracker(LeakTracker tracker) {
        this.tracker = tracker;
    }

    /** The buffer: {@link #capacity()} bytes, a view into the pool's arena. */
    public MemorySegment segment() {
        checkOpen();
        return segment;
    }

    /** The native address of the buffer. */
    public long address() {
        checkOpen();
        return segment.address();
    }

    /** The buffer's size in bytes: the block size, at least what was asked for. */
    public long capacity() {
        return segment.byteSize();
    }

    /** The registered buffer index of the block's region, or {@link #UNREGISTERED}. */
    public int bufferIndex() {
        checkOpen();
        return bufferIndex;
    }

    /** The block's offset inside its registered buffer, or {@link #UNREGISTERED}. */
    public long bufferOffset() {
        checkOpen();
        return bufferOffset;
    }

    /** Whether the block lies in a region registered with the kernel. */
    public boolean isRegistered() {
        return bufferIndex != UNREGISTERED;
    }

    /** Whether the handle is still open. */
    public boolean isOpen() {
        return open;
    }

    /** The pool this buffer came from. */
    public BufPool pool() {
        return pool;
    }

    /**
     * Gives the buffer back to its pool, from any thread. After the pool was closed this only marks
     * the handle closed.
     *
     * @throws IllegalStateException if the handle was closed already (nothing changes)
     */
    @Override
    public void close() {
        if (!OPEN.compareAndSet(this, true, false)) {
            throw new IllegalStateException(describe() + " was closed twice");
        }
        LeakTracker t = tracker;
        if (t != null) {
            t.release();
        }
        try {
            if (!arena.isClosed()) {
                arena.free(block);
            }
        } catch (IllegalStateException e) {
            if (!arena.isClosed()) {
                throw e; // not the pool closing under us: a real inconsistency
            }
        } finally {
            releases.increment();
            // Keep this handle reachable until its tracker knows it was released, or the cleaner
            // could report a leak of a handle in the middle of being closed.
            Reference.reachabilityFence(this);
        }
    }

    private void checkOpen() {
        if (!open) {
            throw new IllegalStateException(describe() + " was used after close(); allocate a new buffer");
        }
    }

    private String describe() {
        return "FixedBuf of " + MemoryBudget.human(segment.byteSize()) + " from pool '" + pool.name() + "'";
    }

    @Override
    public String toString() {
        return "FixedBuf[" + MemoryBudget.human(segment.byteSize()) + ", pool '" + pool.name() + "', "
                + (isRegistered() ? "buffer " + bufferIndex + " @ " + bufferOffset : "unregistered")
                + (open ? "" : ", closed") + "]";
    }

    // ---------------------------------------------------------------------------------------------
    // VarHandle mechanics

    private static final VarHandle OPEN;

    static {
        try {
            OPEN = MethodHandles.lookup().findVarHandle(FixedBuf.class, "open", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
