package dev.iobuf.uring;

import dev.iobuf.internal.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One io_uring instance: a submission queue and a completion queue shared with the kernel.
 *
 * <p>Typical use, one thread:
 * <pre>{@code
 * try (IoUring ring = IoUring.builder().entries(256).open()) {
 *     ring.nextSqe().read(fd, buffer, 0).userData(1);
 *     ring.submitAndWait(1);
 *     ring.forEachCqe((userData, res, flags) -> ...);
 * }
 * }</pre>
 *
 * <p>What callers may rely on:
 * <ul>
 *   <li>The hot path ({@link #nextSqe()}, the {@link Sqe} methods, {@link #submit()},
 *       {@link #submitAndWait}, {@link #forEachCqe}, {@link #peekCqe}, {@link #waitCqe}) allocates
 *       nothing and reports kernel errors as negative errno return values, never as exceptions.</li>
 *   <li>No completion is lost: when the CQ is full the kernel keeps completions back
 *       ({@code IORING_FEAT_NODROP}) and the reaping methods fetch them.</li>
 *   <li>After {@link #close()} every method except {@code close} and the plain getters throws
 *       {@link IllegalStateException}; nothing touches unmapped memory.</li>
 * </ul>
 *
 * <p>Not thread-safe: use a ring from one thread at a time (with {@code SINGLE_ISSUER} or
 * {@code DEFER_TASKRUN}, from one platform thread only). To wake a thread blocked in
 * {@link #waitCqe} from elsewhere, let the ring poll an {@link EventFd} and signal that.
 */
public final class IoUring implements AutoCloseable {
    /*
     * Implementation notes.
     *
     * Setup (RingSetup) follows liburing: io_uring_setup fills io_uring_params with the sizes and
     * the offsets of head, tail, mask, flags and the arrays inside the ring mappings. With
     * FEAT_SINGLE_MMAP the SQ and CQ rings share one mapping of max(cq_off.cqes + cq_entries*16,
     * sq_off.array + sq_entries*4) bytes; the SQE array is always mapped on its own. NO_SQARRAY is
     * tried first; a kernel that does not know it answers EINVAL and the ring is set up again
     * without it.
     *
     * The mappings are bound to a shared arena: close() unmaps them by closing it, so a late access
     * fails with IllegalStateException instead of faulting. The syscall scratch (errno capture,
     * getevents_arg and its timespec) is allocated once in the same arena.
     *
     * Entering the kernel (see enter()): GETEVENTS when asked to wait, or when the SQ flags say
     * completions wait in the overflow list (CQ_OVERFLOW) or task work is pending (TASKRUN); under
     * SQPOLL the kernel is entered only to wake the poller (SQ_WAKEUP) or to wait. EINTR is retried
     * with the SQ state re-read. Memory ordering of the queues is described in SubmissionQueue and
     * CompletionQueue.
     *
     * Closing with work in flight: ASYNC_CANCEL with CANCEL_ANY|ALL, then completions are drained
     * until every operation handed out has posted its final completion (one without F_MORE;
     * handedOut counts SQEs, the CQ counts finals) or CLOSE_DRAIN_NANOS passed, then the ring fd
     * is closed. Waiting for the count, not for a quiet spell, matters: an operation the cancel
     * cannot stop (a buffered file read already in an io-wq worker answers -EALREADY) may still
     * write into its buffer, and callers release buffers once close() returns. SQEs with
     * IOSQE_CQE_SKIP_SUCCESS post no completion when they succeed, so a ring that used them may
     * wait the whole CLOSE_DRAIN_NANOS.
     */
    static final int ENTER_GETEVENTS = 1;
    static final int ENTER_SQ_WAKEUP = 1 << 1;
    static final int ENTER_SQ_WAIT = 1 << 2;
    static final int ENTER_EXT_ARG = 1 << 3;
    static final int ENTER_REGISTERED_RING = 1 << 4;

    /** How long {@link #close()} waits at most for cancelled work to complete. */
    static final long CLOSE_DRAIN_NANOS = 1_000_000_000L;
    /** How long one wait of {@link #close()}'s drain lasts. */
    static final long CLOSE_QUIET_NANOS = 10_000_000L;
    /** User data of the cancel-all request {@link #close()} submits. */
    static final long CLOSE_CANCEL_USER_DATA = 0xC105_E000_0000_0000L;

    final int fd;
    private final int setupFlags;
    private final int features;
    private final boolean sqPoll;
    private final Arena arena;
    private final SubmissionQueue sq;
    private final CompletionQueue cq;
    private final Sqe sqe;
    private final MemorySegment errno;
    private final MemorySegment waitArg;
    private final Register register;
    /** What the buffer table holds, for the checks of fixed-buffer operations. */
    private final RegisteredBuffers buffers = new RegisteredBuffers();

    private int enterFd;
    private int enterFlags;
    private Thread registeredFdOwner;
    private long[] probe;
    private boolean closed;
    /** SQEs handed out by nextSqe() over the ring's life; with cq.finals(), the operations in flight. */
    private long handedOut;

    /** Options for a new ring. */
    public static IoUringBuilder builder() {
        return new IoUringBuilder();
    }

    /** A ring with {@code entries} SQ entries and default options. */
    public static IoUring open(int entries) {
        return builder().entries(entries).open();
    }

    IoUring(IoUringBuilder b) {
        Arena shared = Arena.ofShared();
        RingSetup setup;
        try {
            setup = RingSetup.open(b, shared);
        } catch (RuntimeException | Error e) {
            shared.close();
            throw e;
        }
        this.arena = shared;
        this.fd = setup.fd;
        this.enterFd = setup.fd;
        this.setupFlags = setup.setupFlags;
        this.features = setup.features;
        this.sqPoll = (setupFlags & SetupFlags.SQPOLL) != 0;
        this.errno = setup.errno;
        this.sq = setup.sq;
        this.cq = setup.cq;
        this.sqe = new Sqe(sq.sqes, this);
        this.register = new Register(this);
        this.waitArg = shared.allocate(GeteventsArgLayout.BYTES + TimespecLayout.BYTES, 8);
        waitArg.set(ValueLayout.JAVA_LONG, GeteventsArgLayout.TS, waitArg.address() + GeteventsArgLayout.BYTES);
    }

    // ---- submission -------------------------------------------------------------------------

    /**
     * The ring's {@link Sqe}, moved to a fresh zeroed slot; {@code null} when the SQ is full
     * (submit, then try again). The same object is returned every time: fill it before the next call.
     */
    public Sqe nextSqe() {
        checkOpen();
        long off = sq.next();
        if (off < 0) {
            return null;
        }
        handedOut++;
        sqe.reset(off);
        return sqe;
    }

    /**
     * Takes back the SQE at {@code offset} whose preparation failed, so the next submit does not
     * send a half-built entry; called by {@link Sqe} before it throws.
     */
    void abandon(long offset) {
        if (sq.unreserve(offset)) {
            handedOut--;
        }
    }

    /** The ring's table of registered buffers as registered through {@link #register()}. */
    RegisteredBuffers buffers() {
        return buffers;
    }

    /**
     * Whether {@code memory} lies inside a buffer registered on this ring (through
     * {@link #register()}, by any tenant of its table), and at which index: the index to give a
     * fixed-buffer operation, or -1 when no registered buffer holds all of it.
     */
    public int registeredBufferIndex(MemorySegment memory) {
        if (!memory.isNative()) {
            return -1;
        }
        return buffers.indexOf(memory.address(), memory.byteSize());
    }

    /** Like {@link #registeredBufferIndex(MemorySegment)} for {@code [address, address + length)}; allocates nothing. */
    public int registeredBufferIndex(long address, long length) {
        return buffers.indexOf(address, length);
    }

    /**
     * Like {@link #nextSqe()}, but when the SQ is full submits what it holds (under SQPOLL: waits
     * for the kernel thread to make room) and tries again.
     *
     * @throws IoUringException when the kernel refuses to take entries (e.g. {@code EBUSY}: reap
     *                          completions first)
     */
    public Sqe nextSqeBlocking() {
        for (;;) {
            Sqe s = nextSqe();
            if (s != null) {
                return s;
            }
            int rc = submit();
            if (rc >= 0 && sqPoll && sq.space() == 0) {
                rc = enterLoop(0, 0, ENTER_SQ_WAIT, 0L, 0L);
            }
            if (rc < 0) {
                throw new IoUringException("io_uring_enter (making room in a full SQ)", rc,
                        rc == -Errno.EBUSY || rc == -Errno.EAGAIN ? "reap completions, then submit again" : null);
            }
            if (rc == 0 && !sqPoll && sq.space() == 0) {
                throw new IoUringException("io_uring_enter (making room in a full SQ)", Errno.EAGAIN,
                        "the kernel took no entries; reap completions, then submit again");
            }
        }
    }

    /** Submits every filled SQE; returns how many the kernel took, or {@code -errno}. */
    public int submit() {
        checkOpen();
        return enter(0, 0, 0L, 0L);
    }

    /**
     * Submits and blocks until at least {@code minComplete} completions are ready. Returns how many
     * SQEs were submitted, or {@code -errno}. It may return early (a signal, or
     * {@code minComplete} 0), so reap and check.
     */
    public int submitAndWait(int minComplete) {
        checkOpen();
        return enter(minComplete, ENTER_GETEVENTS, 0L, 0L);
    }

    /**
     * Like {@link #submitAndWait(int)} but waits at most {@code timeoutNanos}; returns
     * {@code -ETIME} when the time passed with fewer completions and nothing was submitted.
     * Needs {@link Feature#EXT_ARG} (5.11).
     *
     * @throws UnsupportedOperationException on kernels without {@code IORING_FEAT_EXT_ARG}
     */
    public int submitAndWait(int minComplete, long timeoutNanos) {
        checkOpen();
        if ((features & Feature.EXT_ARG) == 0) {
            throw new UnsupportedOperationException("timed waits need IORING_FEAT_EXT_ARG (Linux 5.11); this kernel is "
                    + System.getProperty("os.version"));
        }
        TimespecLayout.set(waitArg, GeteventsArgLayout.BYTES, Math.max(0, timeoutNanos));
        return enter(minComplete, ENTER_GETEVENTS | ENTER_EXT_ARG, waitArg.address(), GeteventsArgLayout.BYTES);
    }

    private int enter(int minComplete, int flags, long arg, long argSize) {
        int toSubmit = sq.flush();
        boolean needEnter = (flags & ENTER_GETEVENTS) != 0;
        if (sq.cqNeedsEnter()) {
            flags |= ENTER_GETEVENTS;
            needEnter = true;
        }
        if (toSubmit > 0) {
            if (!sqPoll) {
                needEnter = true;
            } else if (sq.needsWakeup()) {
                flags |= ENTER_SQ_WAKEUP;
                needEnter = true;
            }
        }
        if (!needEnter) {
            return toSubmit;
        }
        return enterLoop(toSubmit, minComplete, flags, arg, argSize);
    }

    private int enterLoop(int toSubmit, int minComplete, int flags, long arg, long argSize) {
        for (;;) {
            int ringFd = enterFd;
            int f = flags | enterFlags;
            if (registeredFdOwner != null && Thread.currentThread() != registeredFdOwner) {
                ringFd = fd;
                f = flags;
            }
            int rc = Syscalls.enter(errno, ringFd, toSubmit, minComplete, f, arg, argSize);
            if (rc != -Errno.EINTR) {
                return rc;
            }
            toSubmit = sq.flush();
        }
    }

    // ---- completion -------------------------------------------------------------------------

    /**
     * Hands every ready completion to {@code handler} and releases their slots; returns how many.
     * Completions the kernel held back because the CQ was full are fetched too. Never blocks.
     * The handler may fill and submit SQEs but must not reap from this ring.
     */
    public int forEachCqe(CqeHandler handler) {
        return forEachCqe(handler, Integer.MAX_VALUE);
    }

    /** Like {@link #forEachCqe(CqeHandler)} for at most {@code max} completions. */
    public int forEachCqe(CqeHandler handler, int max) {
        checkOpen();
        int done = cq.drain(handler, max);
        // Enter only for completions held back (CQ overflow), or for pending task work when the
        // CQ gave nothing: like liburing's peek. Entering for task work after a batch would double
        // the system calls of a busy loop, whose next wait runs that task work anyway.
        while (done < max && (sq.cqOverflow() || (done == 0 && sq.cqNeedsEnter()))) {
            enterLoop(0, 0, ENTER_GETEVENTS, 0L, 0L);
            int n = cq.drain(handler, max - done);
            if (n == 0) {
                break; // the flag may stay up with nothing to fetch; never spin on it
            }
            done += n;
        }
        return done;
    }

    /** Consumes the oldest ready completion into {@code out}; false when none is ready. Never blocks. */
    public boolean peekCqe(Cqe out) {
        checkOpen();
        if (cq.poll(out)) {
            return true;
        }
        if (sq.cqNeedsEnter()) {
            enterLoop(0, 0, ENTER_GETEVENTS, 0L, 0L);
            return cq.poll(out);
        }
        return false;
    }

    /** Submits pending SQEs, blocks until a completion is ready and consumes it into {@code out}; 0 or {@code -errno}. */
    public int waitCqe(Cqe out) {
        checkOpen();
        for (;;) {
            if (peekCqe(out)) {
                return 0;
            }
            int rc = enter(1, ENTER_GETEVENTS, 0L, 0L);
            if (rc < 0) {
                return peekCqe(out) ? 0 : rc;
            }
        }
    }

    /** Like {@link #waitCqe(Cqe)} for at most {@code timeoutNanos}: 0, {@code -ETIME} or another {@code -errno}. */
    public int waitCqe(Cqe out, long timeoutNanos) {
        checkOpen();
        long deadline = System.nanoTime() + timeoutNanos;
        for (;;) {
            if (peekCqe(out)) {
                return 0;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return -Errno.ETIME;
            }
            int rc = submitAndWait(1, left);
            if (rc < 0) {
                return peekCqe(out) ? 0 : rc;
            }
        }
    }

    /** Completions ready to be reaped (not counting those held back in the kernel). */
    public int cqReady() {
        checkOpen();
        return cq.ready();
    }

    /** SQ slots free right now. */
    public int sqSpaceLeft() {
        checkOpen();
        return sq.space();
    }

    /** SQEs handed out by {@link #nextSqe()} and not yet submitted. */
    public int sqPending() {
        checkOpen();
        return sq.unpublished();
    }

    // ---- facts ------------------------------------------------------------------------------

    /** The ring's file descriptor. */
    public int fd() {
        return fd;
    }

    /** {@code IORING_FEAT_*} bits of the running kernel ({@link Feature}). */
    public int features() {
        return features;
    }

    /** The setup flags in effect ({@link SetupFlags}), after any fall-back. */
    public int setupFlags() {
        return setupFlags;
    }

    /** SQ size the kernel chose. */
    public int sqEntries() {
        return sq.entries;
    }

    /** CQ size the kernel chose. */
    public int cqEntries() {
        return cq.entries;
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed;
    }

    /** Whether the running kernel supports {@code opcode} ({@code IORING_REGISTER_PROBE}, asked once). */
    public boolean supports(int opcode) {
        checkOpen();
        if (probe == null) {
            probe = register.probe();
        }
        return opcode >= 0 && opcode < 256 && (probe[opcode >>> 6] & (1L << opcode)) != 0;
    }

    /**
     * Registration of buffers, files, the ring fd, an eventfd (and probing): the operations of
     * {@code io_uring_register}. The same object every time.
     */
    public Register register() {
        checkOpen();
        return register;
    }

    /**
     * Starts a ring opened with {@link IoUringBuilder#disabled()} ({@code IORING_REGISTER_ENABLE_RINGS});
     * with {@code SINGLE_ISSUER} the calling thread becomes the issuer.
     *
     * @throws IoUringException when the ring was not disabled ({@code EBADFD})
     */
    public void enable() {
        checkOpen();
        register.enableRings();
    }

    MemorySegment errnoState() {
        return errno;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("io_uring (fd " + fd + ") is closed; open a new ring");
        }
    }

    /** Makes {@code enter} use the registered ring index from {@code owner} only; a null owner undoes it. */
    void useRegisteredFd(int index, Thread owner) {
        enterFd = owner == null ? fd : index;
        enterFlags = owner == null ? 0 : ENTER_REGISTERED_RING;
        registeredFdOwner = owner;
    }

    int registeredFdIndex() {
        return registeredFdOwner == null ? -1 : enterFd;
    }

    /**
     * Operations handed out by {@link #nextSqe()} that have not posted their final completion (one
     * without {@link CqeFlags#MORE}) yet, as far as completions were reaped. Counts SQEs that were
     * not submitted yet too, and stays above zero for SQEs whose success was skipped
     * ({@link SqeFlags#CQE_SKIP_SUCCESS}).
     */
    public long inFlight() {
        return handedOut - cq.finals();
    }

    Thread registeredFdOwner() {
        return registeredFdOwner;
    }

    /**
     * Cancels all work in flight, waits until every operation posted its final completion
     * ({@value #CLOSE_DRAIN_NANOS} ns at most), unmaps the rings and closes the ring. Completions still unreaped are discarded.
     * Idempotent. Call it from the thread that uses the ring; buffers the kernel was using may be
     * written until their operations are cancelled, which is what the drain waits for.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            cancelAndDrain();
        } finally {
            closed = true;
            if (registeredFdOwner == Thread.currentThread()) {
                register.unregisterRingFdQuietly();
            }
            arena.close();
            try (Arena a = Arena.ofConfined()) {
                Libc.close(Syscalls.newErrnoState(a), fd);
            }
        }
    }

    private void cancelAndDrain() {
        Sqe s = nextSqe();
        if (s == null && submit() >= 0) {
            s = nextSqe();
        }
        if (s == null) {
            return;
        }
        s.cancelAll().userData(CLOSE_CANCEL_USER_DATA);
        if (submit() < 0 || (features & Feature.EXT_ARG) == 0) {
            return;
        }
        CqeHandler discard = (u, r, f) -> { };
        long deadline = System.nanoTime() + CLOSE_DRAIN_NANOS;
        for (;;) {
            forEachCqe(discard);
            if (inFlight() <= 0 || System.nanoTime() - deadline > 0) {
                return;
            }
            int rc = submitAndWait(1, CLOSE_QUIET_NANOS);
            if (rc < 0 && rc != -Errno.ETIME && rc != -Errno.EINTR) {
                return;
            }
        }
    }

}
