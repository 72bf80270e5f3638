package dev.iobuf.uring;

/** The SQE's {@code flags} byte ({@code IOSQE_*}); combine with {@code |} and pass to {@link Sqe#flags(int)}. */
public final class SqeFlags {
    /** {@code fd} is an index into the registered-file table. */
    public static final int FIXED_FILE = 1;
    /** Start only after every earlier SQE completed, and hold later ones back until this one did. */
    public static final int IO_DRAIN = 1 << 1;
    /** The next SQE starts only after this one succeeded; a failure cancels the rest of the chain. */
    public static final int IO_LINK = 1 << 2;
    /** Like {@link #IO_LINK}, but the chain goes on whatever this one's result. */
    public static final int IO_HARDLINK = 1 << 3;
    /** Go straight to an io-wq worker instead of trying non-blocking first. */
    public static final int ASYNC = 1 << 4;
    /** Pick a buffer from the provided-buffer group in {@code buf_group}. */
    public static final int BUFFER_SELECT = 1 << 5;
    /** Post no CQE when the operation succeeds (kernel 5.17, {@code IORING_FEAT_CQE_SKIP}). */
    public static final int CQE_SKIP_SUCCESS = 1 << 6;

    private SqeFlags() {
    }
}
