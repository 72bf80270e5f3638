package dev.iobuf.uring;

/**
 * Receives completions from {@link IoUring#forEachCqe(CqeHandler)} one by one, without any
 * object per completion.
 */
@FunctionalInterface
public interface CqeHandler {
    /**
     * One completion.
     *
     * @param userData the value the SQE carried
     * @param res      the operation's result, or {@code -errno} (see {@link Errno})
     * @param flags    {@code IORING_CQE_F_*} bits, see {@link CqeFlags}
     */
    void handle(long userData, int res, int flags);
}
