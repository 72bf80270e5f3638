package dev.iobuf.uring;

/** {@code IORING_SETUP_*} values, as reported by {@link IoUring#setupFlags()}; set them with {@link IoUringBuilder}. */
public final class SetupFlags {
    public static final int IOPOLL = 1;
    public static final int SQPOLL = 1 << 1;
    public static final int SQ_AFF = 1 << 2;
    public static final int CQSIZE = 1 << 3;
    public static final int CLAMP = 1 << 4;
    public static final int ATTACH_WQ = 1 << 5;
    public static final int R_DISABLED = 1 << 6;
    public static final int SUBMIT_ALL = 1 << 7;
    public static final int COOP_TASKRUN = 1 << 8;
    public static final int TASKRUN_FLAG = 1 << 9;
    public static final int SQE128 = 1 << 10;
    public static final int CQE32 = 1 << 11;
    public static final int SINGLE_ISSUER = 1 << 12;
    public static final int DEFER_TASKRUN = 1 << 13;
    public static final int NO_MMAP = 1 << 14;
    public static final int REGISTERED_FD_ONLY = 1 << 15;
    public static final int NO_SQARRAY = 1 << 16;

    private SetupFlags() {
    }
}
