package dev.iobuf.memory;

/**
 * An allocation of native memory was refused: by the {@link MemoryBudget} limit, or by the
 * operating system. Nothing was allocated.
 */
public final class NativeMemoryExhaustedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NativeMemoryExhaustedException(String message) {
        super(message);
    }
}
