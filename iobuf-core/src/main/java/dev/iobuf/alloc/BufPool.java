package dev.iobuf.alloc;

/**
 * A pool of {@link FixedBuf} handles: what application code allocates buffers from.
 *
 * <pre>{@code
 * try (FixedBuf buf = pool.allocate(64 << 10)) {
 *     MemorySegment mem = buf.segment();
 *     ... fill mem; submit READ_FIXED/WRITE_FIXED with buf.bufferIndex() ...
 * }                                                  // close() gives it back, from any thread
 * }</pre>
 *
 * <p>Thread-safe. Every handle is a new object and is closed exactly once; closing it twice, or
 * using it after it was closed, throws {@link IllegalStateException}. A handle that becomes
 * unreachable without being closed is reported by the pool's {@link LeakDetector}.
 */
public interface BufPool extends AutoCloseable {

    /**
     * A buffer of at least {@code size} bytes.
     *
     * @throws PoolExhaustedException   if no block is free and the pool cannot grow
     * @throws IllegalArgumentException if {@code size} is below 1
     * @throws IllegalStateException    if the pool is closed
     */
    FixedBuf allocate(long size);

    /**
     * A buffer of at least {@code size} bytes, or {@code null} if no block is free and the pool
     * cannot grow.
     *
     * @throws IllegalArgumentException if {@code size} is below 1
     * @throws IllegalStateException    if the pool is closed
     */
    FixedBuf tryAllocate(long size);

    /** The pool's name, used in messages, leak reports and JFR events. */
    String name();

    /** Handles allocated and not yet closed (leaked ones included). */
    long outstanding();

    /**
     * For tests: throws {@link AssertionError} if any handle is still open, listing where each was
     * acquired when the leak detector tracks them.
     */
    void assertNoOutstanding();

    /** The leak detector handles of this pool are tracked by. */
    LeakDetector leakDetector();

    /** Whether {@link #close()} was called. */
    boolean isClosed();

    /**
     * Unregisters and unmaps the pool's memory. Handles still open become unusable: their segments
     * throw on access, and closing them does nothing more. Closing twice does nothing.
     */
    @Override
    void close();
}
