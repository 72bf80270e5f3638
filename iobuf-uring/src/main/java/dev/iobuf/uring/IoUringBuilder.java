package dev.iobuf.uring;

/**
 * Options for a new {@link IoUring}; {@link #open()} creates the ring. Defaults: 256 SQ entries,
 * a CQ twice that size, no setup flags beyond {@code NO_SQARRAY} where the kernel has it.
 * Not thread-safe; reusable for several rings.
 */
public final class IoUringBuilder {
    /** The most SQ entries the kernel accepts without {@link #clamp()}. */
    public static final int MAX_ENTRIES = 32768;

    int entries = 256;
    int cqEntries;
    int flags;
    int sqThreadIdleMillis;
    int sqThreadCpu = -1;
    boolean noSqArray = true;

    IoUringBuilder() {
    }

    /** SQ entries: 1..{@value #MAX_ENTRIES}, rounded up to a power of two by the kernel. */
    public IoUringBuilder entries(int entries) {
        if (entries < 1) {
            throw new IllegalArgumentException("a ring needs at least 1 entry, got " + entries);
        }
        this.entries = entries;
        return this;
    }

    /** CQ entries (at least the SQ entries; rounded up to a power of two); sets {@code IORING_SETUP_CQSIZE}. */
    public IoUringBuilder cqEntries(int cqEntries) {
        if (cqEntries < 1) {
            throw new IllegalArgumentException("a completion queue needs at least 1 entry, got " + cqEntries);
        }
        this.cqEntries = cqEntries;
        this.flags |= SetupFlags.CQSIZE;
        return this;
    }

    /**
     * {@code IORING_SETUP_SINGLE_ISSUER} (6.0): only one thread submits. That thread is the one that
     * first submits (or calls {@link IoUring#enable()} on a ring opened {@link #disabled()}); any
     * other thread's submission fails with {@code -EEXIST}. Use a platform thread: a virtual thread
     * may move between kernel tasks.
     */
    public IoUringBuilder singleIssuer() {
        flags |= SetupFlags.SINGLE_ISSUER;
        return this;
    }

    /**
     * {@code IORING_SETUP_DEFER_TASKRUN} (6.1), implies {@link #singleIssuer()}: completion work runs
     * only when the issuer enters the kernel to wait. Also sets {@link #taskrunFlag()} so that
     * {@link IoUring#forEachCqe} knows when to enter the kernel to run it.
     */
    public IoUringBuilder deferTaskrun() {
        flags |= SetupFlags.DEFER_TASKRUN | SetupFlags.SINGLE_ISSUER | SetupFlags.TASKRUN_FLAG;
        return this;
    }

    /** {@code IORING_SETUP_COOP_TASKRUN} (5.19): no interrupts to run completion work; it runs on the next kernel entry. */
    public IoUringBuilder coopTaskrun() {
        flags |= SetupFlags.COOP_TASKRUN;
        return this;
    }

    /** {@code IORING_SETUP_TASKRUN_FLAG} (5.19): the kernel flags pending completion work in the SQ ring. */
    public IoUringBuilder taskrunFlag() {
        flags |= SetupFlags.TASKRUN_FLAG;
        return this;
    }

    /**
     * {@code IORING_SETUP_SQPOLL}: a kernel thread polls the SQ and goes to sleep after
     * {@code idleMillis} without work; {@link IoUring#submit()} wakes it when needed.
     */
    public IoUringBuilder sqPoll(int idleMillis) {
        if (idleMillis < 0) {
            throw new IllegalArgumentException("SQPOLL idle time must be >= 0 ms, got " + idleMillis);
        }
        flags |= SetupFlags.SQPOLL;
        sqThreadIdleMillis = idleMillis;
        return this;
    }

    /** Pins the SQPOLL thread to {@code cpu} ({@code IORING_SETUP_SQ_AFF}). */
    public IoUringBuilder sqThreadCpu(int cpu) {
        flags |= SetupFlags.SQ_AFF;
        sqThreadCpu = cpu;
        return this;
    }

    /** {@code IORING_SETUP_CLAMP}: too many entries are clamped to the maximum instead of failing. */
    public IoUringBuilder clamp() {
        flags |= SetupFlags.CLAMP;
        return this;
    }

    /**
     * {@code IORING_SETUP_R_DISABLED} (5.10): the ring starts disabled; registrations may be made
     * and {@link IoUring#enable()} starts it (and, with {@link #singleIssuer()}, makes the enabling
     * thread the issuer).
     */
    public IoUringBuilder disabled() {
        flags |= SetupFlags.R_DISABLED;
        return this;
    }

    /** {@code IORING_SETUP_SUBMIT_ALL} (5.18): keep submitting a batch after an SQE fails to prepare. */
    public IoUringBuilder submitAll() {
        flags |= SetupFlags.SUBMIT_ALL;
        return this;
    }

    /**
     * Whether to try {@code IORING_SETUP_NO_SQARRAY} (6.6) first; on kernels without it (EINVAL) the
     * ring is set up again without. Default true.
     */
    public IoUringBuilder noSqArray(boolean tryIt) {
        this.noSqArray = tryIt;
        return this;
    }

    /**
     * Creates the ring.
     *
     * @throws IoUringUnavailableException when io_uring is missing or forbidden here
     * @throws IoUringException            when the kernel refuses these options
     */
    public IoUring open() {
        return new IoUring(this);
    }
}
