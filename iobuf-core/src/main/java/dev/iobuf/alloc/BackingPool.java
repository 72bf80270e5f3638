package dev.iobuf.alloc;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * How one arena of native memory is cut into blocks: allocate by size, free, and list the arena's
 * memory regions so they can be registered with the kernel. A backing pool knows nothing of the
 * kernel; {@link RegisteredPool} joins it to a {@link BufferRegistrar}.
 *
 * <p>Blocks are named by {@code long} tickets ({@link Block}). {@link #allocate(long)} and
 * {@link #free(long)} allocate nothing on the Java heap, and exhaustion is the return value
 * {@link Block#FAILED}, never an exception. Every implementation is thread-safe: a block may be
 * freed by any thread.
 *
 * <p>A ticket is not a capability: freeing a ticket twice is caught, but a stale ticket whose block
 * has been allocated again names the new owner's block. Hand out {@link FixedBuf} handles (through
 * a {@link BufPool}) where that matters.
 */
public interface BackingPool extends AutoCloseable {

    /**
     * Allocates a block of at least {@code size} bytes.
     *
     * @return the block's ticket, or {@link Block#FAILED} when no block can serve the request now
     *         (the arena is exhausted, or the request is larger than {@link #maxBlockSize()})
     * @throws IllegalArgumentException if {@code size} is below 1
     * @throws IllegalStateException    if the pool is closed
     */
    long allocate(long size);

    /**
     * Gives a block back.
     *
     * @throws IllegalArgumentException if {@code block} was never a ticket of this pool
     * @throws IllegalStateException    if the block is not allocated (a double free), or the pool is
     *                                  closed; the pool is unchanged
     */
    void free(long block);

    /**
     * The memory of an allocated block: {@link #blockSize(long)} bytes, a view into the arena (a new
     * segment object, never a copy).
     */
    MemorySegment segment(long block);

    /** The size of the block {@code block} names (at least what was asked for). */
    long blockSize(long block);

    /**
     * The regions of native memory this pool cuts, in region order: what to register with the
     * kernel. Region {@code r} of this list holds the blocks whose {@link Block#region(long)} is
     * {@code r}. The list does not change over the pool's life.
     */
    List<MemorySegment> regions();

    /** The largest request this pool serves from its regions. */
    long maxBlockSize();

    /** A snapshot of this pool's statistics. */
    AllocStats stats();

    /** The name given at build time, used in messages, statistics and JFR events. */
    String name();

    /** Whether {@link #close()} was called. */
    boolean isClosed();

    /**
     * Unmaps the arena. Every segment obtained from it becomes inaccessible (an access throws
     * {@link IllegalStateException}); later calls throw {@link IllegalStateException}. Closing twice
     * does nothing.
     */
    @Override
    void close();
}
