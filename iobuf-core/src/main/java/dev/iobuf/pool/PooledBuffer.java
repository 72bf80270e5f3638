package dev.iobuf.pool;

import java.lang.foreign.MemorySegment;

/**
 * A buffer taken from a {@link BufferPool} as a handle, for code that prefers
 * {@code try (PooledBuffer buf = pool.take()) { ... }} to indices.
 *
 * <p>{@link #close()} gives the buffer back; it may be called from any thread. After that,
 * {@link #segment()}, {@link #index()} and a second {@link #close()} throw
 * {@link IllegalStateException} instead of reaching a buffer that may belong to someone else now.
 *
 * <p>Every take makes a new handle, so a handle that was closed stays closed: a stale handle can
 * never reach the buffer of whoever owns the index now. A handle is one small object, which the
 * JIT's escape analysis usually removes when the handle does not leave the method that took it;
 * code that must allocate nothing at all uses the pool's indices ({@code acquire}/{@code release}).
 */
public final class PooledBuffer implements AutoCloseable {
    private final BufferPool pool;
    private final int index;
    private final MemorySegment segment;
    private volatile boolean open;

    PooledBuffer(BufferPool pool, int index) {
        this.pool = pool;
        this.index = index;
        this.segment = pool.segment(index);
    }

    void open() {
        open = true;
    }

    /** The buffer: {@code tier().size()} bytes. */
    public MemorySegment segment() {
        checkOpen();
        return segment;
    }

    /** The buffer's index in its pool. */
    public int index() {
        checkOpen();
        return index;
    }

    /** The tier of the pool this buffer came from. */
    public Tier tier() {
        return pool.tier();
    }

    /** The pool this buffer came from. */
    public BufferPool pool() {
        return pool;
    }

    /** Whether this handle still owns its buffer. */
    public boolean isOpen() {
        return open;
    }

    /**
     * Gives the buffer back to its pool.
     *
     * @throws IllegalStateException if this handle was closed already
     */
    @Override
    public void close() {
        if (!OPEN.compareAndSet(this, true, false)) {
            throw new IllegalStateException("buffer " + index + " of " + pool.tier()
                    + " was already released through this handle");
        }
        pool.releaseHandle(index);
    }

    private void checkOpen() {
        if (!open) {
            throw new IllegalStateException("buffer " + index + " of " + pool.tier()
                    + " was used after its release");
        }
    }

    @Override
    public String toString() {
        return "PooledBuffer[" + pool.tier() + " #" + index + (open ? "" : ", released") + "]";
    }

    private static final java.lang.invoke.VarHandle OPEN;

    static {
        try {
            OPEN = java.lang.invoke.MethodHandles.lookup().findVarHandle(PooledBuffer.class, "open", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
