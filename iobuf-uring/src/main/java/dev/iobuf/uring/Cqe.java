package dev.iobuf.uring;

/**
 * A mutable copy of one completion, filled by {@link IoUring#peekCqe(Cqe)} and
 * {@link IoUring#waitCqe(Cqe)}. Reuse one instance; the ring never keeps a reference to it.
 */
public final class Cqe {
    private long userData;
    private int res;
    private int flags;

    void set(long userData, int res, int flags) {
        this.userData = userData;
        this.res = res;
        this.flags = flags;
    }

    /** The SQE's user data. */
    public long userData() {
        return userData;
    }

    /** The result, or {@code -errno}. */
    public int res() {
        return res;
    }

    /** The {@code IORING_CQE_F_*} bits. */
    public int flags() {
        return flags;
    }

    /** Whether more completions will come for the same request ({@link CqeFlags#MORE}). */
    public boolean hasMore() {
        return CqeFlags.hasMore(flags);
    }

    /** The provided buffer id, or -1 when the completion used none. */
    public int bufferId() {
        return CqeFlags.hasBuffer(flags) ? CqeFlags.bufferId(flags) : -1;
    }

    @Override
    public String toString() {
        return "Cqe[userData=" + userData + ", res=" + (res < 0 ? "-" + Errno.name(res) : res)
                + ", flags=0x" + Integer.toHexString(flags) + "]";
    }
}
