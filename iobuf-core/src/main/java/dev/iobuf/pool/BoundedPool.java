package dev.iobuf.pool;

import java.util.Objects;
import java.util.function.IntFunction;

/**
 * A bounded lock-free multi-producer multi-consumer pool of indices, each naming an item.
 *
 * <pre>{@code
 * BoundedPool<Connection> pool = BoundedPool.create(64);
 * pool.fill(i -> new Connection(i));
 * int i = pool.acquire();              // blocks while all 64 are out
 * try {
 *     pool.value(i).send(...);
 * } finally {
 *     pool.release(i);
 * }
 * }</pre>
 *
 * <p>The pool is empty until {@link #fill(IntFunction)} creates the items; acquiring before that
 * throws {@link IllegalStateException}. Acquire and release behave as {@link IndexPool} says.
 * {@link #value(int)} and {@link #setValue(int, Object)} are plain array accesses: the owner of an
 * index may change its item, and the pool's release/acquire ordering makes the change visible to
 * the next owner.
 *
 * @param <T> the item type
 */
public final class BoundedPool<T> extends IndexPool {
    private final Object[] values;
    private volatile boolean filling;

    private BoundedPool(int capacity, boolean cached) {
        super(capacity, cached);
        this.values = new Object[capacity()];
    }

    /**
     * Creates an empty pool; {@code capacity} is rounded up to a power of two.
     *
     * @throws IllegalArgumentException if {@code capacity} is below 1 or above 2^30
     */
    public static <T> BoundedPool<T> create(int capacity) {
        return new BoundedPool<>(capacity, true);
    }

    /**
     * Creates an empty pool, with or without caches of free indices per stripe of threads (see
     * {@link IndexPool}): without, for a pool only one thread uses.
     *
     * @throws IllegalArgumentException if {@code capacity} is below 1 or above 2^30
     */
    public static <T> BoundedPool<T> create(int capacity, boolean threadCaches) {
        return new BoundedPool<>(capacity, threadCaches);
    }

    /**
     * Creates the item of every index with {@code factory} and puts every index into the pool.
     *
     * @throws IllegalStateException if the pool was filled before
     */
    public synchronized void fill(IntFunction<? extends T> factory) {
        Objects.requireNonNull(factory, "factory");
        if (filling || isClosed()) {
            throw new IllegalStateException(isClosed() ? "pool is closed" : "pool is already filled");
        }
        for (int i = 0; i < values.length; i++) {
            values[i] = factory.apply(i); // a throwing factory leaves the pool unfilled, and fill may be retried
        }
        filling = true;
        fillIndices();
    }

    /** The item of {@code index}. */
    @SuppressWarnings("unchecked")
    public T value(int index) {
        return (T) values[Objects.checkIndex(index, values.length)];
    }

    /** Replaces the item of {@code index}. */
    public void setValue(int index, T value) {
        values[Objects.checkIndex(index, values.length)] = value;
    }

    @Override
    public String toString() {
        return "BoundedPool[" + stats() + (isClosed() ? ", closed]" : "]");
    }
}
