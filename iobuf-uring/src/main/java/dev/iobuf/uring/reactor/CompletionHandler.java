package dev.iobuf.uring.reactor;

/**
 * Receives the completions of the operations an owner submitted through its {@link EventLoop} slot.
 * Called on the loop thread, one completion at a time, without any object per completion.
 */
@FunctionalInterface
public interface CompletionHandler {
    /**
     * One completion.
     *
     * @param tag   the low 32 bits of the user data ({@link EventLoop#userData(int, int)})
     * @param res   the operation's result, or {@code -errno}
     * @param flags {@code IORING_CQE_F_*} bits ({@link dev.iobuf.uring.CqeFlags})
     */
    void onCompletion(int tag, int res, int flags);
}
