package dev.iobuf.files;

/**
 * Receives the result of one operation of an {@link AsyncFile}, on its event loop's thread.
 * One object can serve any number of operations: the {@code token} given with each says which
 * one completed, so nothing is allocated per operation.
 */
@FunctionalInterface
public interface FileCompletion {
    /**
     * One operation completed.
     *
     * @param token  the token given with the operation
     * @param result for a read or write the bytes moved (a read may be short; 0 at end of file),
     *               for other operations 0, or {@code -errno} ({@link dev.iobuf.uring.Errno}) on
     *               failure ({@code EINTR} and {@code EAGAIN} were retried before)
     */
    void onComplete(long token, int result);
}
