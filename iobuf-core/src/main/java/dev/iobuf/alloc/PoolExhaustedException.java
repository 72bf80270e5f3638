package dev.iobuf.alloc;

/**
 * A {@link BufPool} had no block for a request and could not grow. Nothing was allocated; the
 * message says how full the pool was and which setting to raise.
 */
public final class PoolExhaustedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PoolExhaustedException(String message) {
        super(message);
    }
}
