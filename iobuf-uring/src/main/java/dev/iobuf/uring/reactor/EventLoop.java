package dev.iobuf.uring.reactor;

import dev.iobuf.pool.BufferPool;
import dev.iobuf.uring.BufferRing;
import dev.iobuf.uring.CqeFlags;
import dev.iobuf.uring.CqeHandler;
import dev.iobuf.uring.Errno;
import dev.iobuf.uring.EventFd;
import dev.iobuf.uring.IoUring;
import dev.iobuf.uring.IoUringBufferRegistrar;
import dev.iobuf.uring.IoUringFileTable;
import dev.iobuf.uring.IoUringBuilder;
import dev.iobuf.uring.IoUringException;
import dev.iobuf.uring.IoUringUnavailableException;
import dev.iobuf.uring.OpFlags;
import dev.iobuf.uring.SetupFlags;
import dev.iobuf.uring.Sqe;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An event loop: one platform thread that owns one {@link IoUring} and dispatches its completions
 * to {@link CompletionHandler}s.
 *
 * <p>Owners of operations {@linkplain #register register} a handler and get a slot; each SQE they
 * submit carries {@link #userData(int, int) userData(slot, tag)}, and its completion calls
 * {@code handler.onCompletion(tag, res, flags)} on the loop thread. Dispatch is an array lookup:
 * nothing is allocated per completion.
 *
 * <p>Other threads hand work to the loop with {@link #execute} / {@link #offer}: a bounded
 * lock-free queue plus a wake-up through an {@link EventFd} the ring polls. {@link LoopTimer}s are
 * TIMEOUT operations on the ring.
 *
 * <p>The ring is opened on the loop thread with {@code SINGLE_ISSUER} and {@code DEFER_TASKRUN}
 * where the kernel has them (6.1), with {@code SINGLE_ISSUER} + {@code COOP_TASKRUN} or with no
 * flags otherwise ({@link #ringSetupFlags()} says which). Everything that touches the ring
 * ({@link #sqe()}, {@link #register}, timers, the {@code on*} hooks) must run on the loop thread:
 * from elsewhere, {@link #execute} it.
 *
 * <p>{@link #shutdown()} starts a graceful shutdown: the {@link #onShutdown} hooks run (servers
 * close listeners and connections there), the loop keeps running until every registered handler
 * has unregistered or {@link #SHUTDOWN_GRACE_NANOS} passed, then closes the ring (cancelling what
 * is still in flight), runs the {@link #onTerminate} hooks (owners release their buffers there)
 * and ends.
 */
public final class EventLoop implements Executor, AutoCloseable {
    /*
     * Implementation notes.
     *
     * User data = (slot << 32) | tag. Slot 0 is the loop's own handler (the eventfd poll).
     * Handlers live in an array that doubles when full; freed slots go on an int stack.
     *
     * Wake-up protocol (Dekker): before blocking in io_uring_enter the loop volatile-writes
     * awake = false and then volatile-reads the task queue; a producer volatile-writes the queue
     * and then reads awake, and only when it sees false (and wins the CAS back to true) writes the
     * eventfd. One of the two always sees the other, so a task is never left behind a sleeping
     * loop, and a busy loop costs producers no system call. The eventfd is watched by a multishot
     * POLL_ADD, re-armed when a completion comes without F_MORE; the loop drains the counter.
     *
     * Tasks run at most one queue's capacity per iteration so completions are never starved.
     */
    /** Default SQ size of the loop's ring; the CQ is {@link #CQ_FACTOR} times as large. */
    public static final int DEFAULT_ENTRIES = 1024;
    /** CQ entries per SQ entry: multishot receives produce many completions per submission. */
    public static final int CQ_FACTOR = 8;
    /** Default capacity of the queue of tasks from other threads. */
    public static final int DEFAULT_TASK_QUEUE = 4096;
    /** How long a graceful shutdown waits for handlers to finish before the ring is closed. */
    public static final long SHUTDOWN_GRACE_NANOS = 2_000_000_000L;
    /** How long the loop blocks at most per wait while shutting down (to check the grace period). */
    static final long SHUTDOWN_POLL_NANOS = 10_000_000L;

    static final int WAKE_TAG = 1;
    private static final int LOOP_SLOT = 0;
    private static final System.Logger LOG = System.getLogger(EventLoop.class.getName());

    private final String name;
    private final int entries;
    private final TaskQueue tasks;
    private final Thread thread;
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final CqeHandler dispatch = this::dispatch;
    private final List<Runnable> shutdownHooks = new ArrayList<>();
    private final List<Runnable> terminateHooks = new ArrayList<>();
    private Runnable[] iterationHooks = new Runnable[0];

    private volatile boolean awake = true;
    private volatile boolean shutdownRequested;
    private volatile Throwable startFailure;

    // loop-thread state
    private IoUring ring;
    private EventFd wake;
    private Arena arena;
    private IoUringBufferRegistrar bufferTable; // loop thread
    private IoUringFileTable fileTable; // loop thread
    private CompletionHandler[] handlers = new CompletionHandler[64];
    private int[] freeSlots = new int[64];
    private int freeTop;
    private int nextSlot = 1;
    private int live;
    private long now;
    private long completions;
    private boolean isClosing;

    /**
     * Starts a loop named {@code name} with a ring of {@code entries} SQ entries and a task queue
     * of {@code taskQueue} tasks; returns once the ring is open.
     *
     * @throws IoUringUnavailableException when io_uring is missing or forbidden here
     * @throws IoUringException            when the ring cannot be set up
     */
    public static EventLoop start(String name, int entries, int taskQueue) {
        EventLoop loop = new EventLoop(name, entries, taskQueue);
        loop.thread.start();
        try {
            loop.started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            loop.shutdown();
            throw new IllegalStateException("interrupted while starting event loop " + name, e);
        }
        Throwable t = loop.startFailure;
        if (t != null) {
            if (t instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("event loop " + name + " failed to start: " + t, t);
        }
        return loop;
    }

    /** A loop with the default ring and queue sizes. */
    public static EventLoop start(String name) {
        return start(name, DEFAULT_ENTRIES, DEFAULT_TASK_QUEUE);
    }

    private EventLoop(String name, int entries, int taskQueue) {
        if (entries < 1 || entries > IoUringBuilder.MAX_ENTRIES) {
            throw new IllegalArgumentException("ring entries must be 1.." + IoUringBuilder.MAX_ENTRIES + ", got " + entries);
        }
        this.name = name;
        this.entries = entries;
        this.tasks = new TaskQueue(taskQueue);
        this.thread = Thread.ofPlatform().name(name).unstarted(this::run);
    }

    // ---- identity ---------------------------------------------------------------------------

    /** The loop's name (its thread's name). */
    public String name() {
        return name;
    }

    /** Whether the calling thread is this loop's thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** The setup flags the ring got ({@link SetupFlags}): tells whether DEFER_TASKRUN was available. */
    public int ringSetupFlags() {
        checkInLoop();
        return ring.setupFlags();
    }

    /** {@link System#nanoTime()} read at the start of the current loop iteration. Loop thread. */
    public long now() {
        return now;
    }

    /** Completions dispatched so far. Loop thread. */
    public long completions() {
        return completions;
    }

    /** Handlers registered right now. Loop thread. */
    public int liveHandlers() {
        return live;
    }

    // ---- handlers and submission (loop thread) ------------------------------------------------

    /** The user data that routes a completion to {@code handler(slot).onCompletion(tag, ...)}. */
    public static long userData(int slot, int tag) {
        return ((long) slot << 32) | (tag & 0xFFFF_FFFFL);
    }

    /** Registers {@code handler}; returns its slot. Loop thread. */
    public int register(CompletionHandler handler) {
        checkInLoop();
        int slot;
        if (freeTop > 0) {
            slot = freeSlots[--freeTop];
        } else {
            slot = nextSlot++;
            if (slot >= handlers.length) {
                handlers = java.util.Arrays.copyOf(handlers, handlers.length * 2);
            }
        }
        handlers[slot] = handler;
        live++;
        return slot;
    }

    /**
     * Frees {@code slot}. Call it only when no operation carrying the slot is in flight any more:
     * a later completion for the slot would go to whoever registers next. Loop thread.
     */
    public void unregister(int slot) {
        checkInLoop();
        if (slot <= LOOP_SLOT || slot >= nextSlot || handlers[slot] == null) {
            throw new IllegalArgumentException("slot " + slot + " is not registered on " + name);
        }
        handlers[slot] = null;
        if (freeTop == freeSlots.length) {
            freeSlots = java.util.Arrays.copyOf(freeSlots, freeSlots.length * 2);
        }
        freeSlots[freeTop++] = slot;
        live--;
    }

    /**
     * A fresh SQE of the loop's ring (submitting what the SQ holds when it is full); it is submitted
     * at the end of the current loop iteration. The same object every time: fill it before the
     * next call. Loop thread; from any other thread it throws {@link IllegalStateException}.
     */
    public Sqe sqe() {
        checkInLoop(); // an SQE filled from two threads at once corrupts the ring: one compare of a final field
        return ring.nextSqeBlocking();
    }

    /**
     * Makes room for {@code n} SQEs in a row, submitting what the SQ holds when fewer are free, so
     * a linked chain taken next with {@link #sqe()} is never cut by a submit between its entries
     * (a cut chain runs its head unlinked). Loop thread.
     */
    public void reserve(int n) {
        checkInLoop();
        if (ring.sqSpaceLeft() < n) {
            ring.submit();
        }
    }

    /**
     * A provided-buffer ring of {@code count} buffers of {@code pool} (buffer id = pool index) in
     * buffer group {@code group} of the loop's ring, for receives that pick their buffer; see
     * {@link BufferRing#ofPool}. Close it on the loop thread before the loop ends. Loop thread.
     *
     * <p>With {@link #sqe()}, {@link #bufferTable()} and {@link #fileTable()} this is how users of
     * the loop reach its ring: the ring itself is not handed out, so nobody registers a second
     * buffer or file table on it or submits from another thread.
     */
    public BufferRing bufferRing(int group, BufferPool pool, int count, boolean incremental) {
        checkInLoop();
        return BufferRing.ofPool(ring, group, pool, count, incremental);
    }

    /**
     * The ring's one table of registered buffers, created on first use. Its users each take a
     * {@link IoUringBufferRegistrar#tenant() tenant} of it (a server of {@code iobuf-net} does
     * for its send and receive buffers): a ring has one table, and registering a second would fail.
     * Loop thread (the ring is SINGLE_ISSUER: only this thread may register).
     */
    public IoUringBufferRegistrar bufferTable() {
        checkInLoop();
        if (bufferTable == null) {
            bufferTable = new IoUringBufferRegistrar(ring);
        }
        return bufferTable;
    }

    /**
     * The ring's one table of registered files ({@value IoUringFileTable#DEFAULT_SLOTS} slots),
     * registered when its first {@link IoUringFileTable#tenant tenant} is taken: each user of fixed
     * files on this loop takes a tenant, a range of slots of its own. Loop thread.
     */
    public IoUringFileTable fileTable() {
        checkInLoop();
        if (fileTable == null || fileTable.isClosed()) {
            fileTable = new IoUringFileTable(ring, IoUringFileTable.DEFAULT_SLOTS);
        }
        return fileTable;
    }

    /**
     * The index of the buffer registered on the loop's ring (by any tenant of its
     * {@linkplain #bufferTable() table}) that holds all of {@code [address, address + length)}, or
     * -1: whether a read or write of that memory can be a fixed-buffer operation. Loop thread.
     */
    public int registeredBufferIndex(long address, long length) {
        checkInLoop();
        return ring.registeredBufferIndex(address, length);
    }

    /** Native memory that lives as long as the loop (e.g. a timer's timespec). Loop thread. */
    public MemorySegment allocate(long bytes, long alignment) {
        checkInLoop();
        return arena.allocate(bytes, alignment);
    }

    /** Runs {@code hook} on the loop thread when a shutdown begins. Loop thread. */
    public void onShutdown(Runnable hook) {
        checkInLoop();
        shutdownHooks.add(hook);
    }

    /**
     * Runs {@code hook} on the loop thread after the ring is closed (every operation is finished
     * or cancelled, so buffers are free to release), in reverse order of registration. Loop thread.
     */
    public void onTerminate(Runnable hook) {
        checkInLoop();
        terminateHooks.add(hook);
    }

    /**
     * Runs {@code hook} on the loop thread once per iteration, after the completions and tasks of
     * the iteration and before its SQEs are submitted: the place to turn work gathered during the
     * iteration into one SQE (e.g. one send per connection for all its writes). Loop thread.
     */
    public void onIteration(Runnable hook) {
        checkInLoop();
        Runnable[] h = java.util.Arrays.copyOf(iterationHooks, iterationHooks.length + 1);
        h[h.length - 1] = hook;
        iterationHooks = h;
    }

    /** Whether {@link #shutdown()} was called. */
    public boolean isShuttingDown() {
        return shutdownRequested;
    }

    // ---- tasks from any thread ----------------------------------------------------------------

    /**
     * Queues {@code task} for the loop thread; false when the queue is full or the loop is shutting
     * down. Allocates nothing. Any thread.
     */
    public boolean offer(Runnable task) {
        if (terminated.getCount() == 0 || !tasks.offer(task)) {
            return false;
        }
        wakeUp();
        return true;
    }

    /**
     * Queues {@code task} for the loop thread, waiting (briefly parked) while the queue is full.
     *
     * @throws RejectedExecutionException when the loop has terminated, or when the loop thread itself
     *                                    finds its queue full (waiting would never end)
     */
    @Override
    public void execute(Runnable task) {
        while (!offer(task)) {
            if (terminated.getCount() == 0) {
                throw new RejectedExecutionException("event loop " + name + " has terminated");
            }
            if (inLoop()) {
                throw new RejectedExecutionException("the task queue of event loop " + name + " is full ("
                        + tasks.capacity() + "); the loop thread cannot wait for itself: use offer() and handle false");
            }
            LockSupport.parkNanos(50_000);
        }
    }

    /**
     * Queues {@code task} for the loop thread like {@link #execute}; the future completes with
     * what it returns, or with what it throws. For setting up, from other threads, what must be
     * made on the loop thread. Any thread.
     *
     * @throws RejectedExecutionException as {@link #execute} does
     */
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    private void wakeUp() {
        if (!awake && AWAKE.compareAndSet(this, false, true)) {
            wake.signal();
        }
    }

    // ---- lifecycle ------------------------------------------------------------------------------

    /** Starts a graceful shutdown (see the class comment); returns at once. Any thread. */
    public void shutdown() {
        shutdownRequested = true;
        if (wake != null && !inLoop()) {
            AWAKE.setVolatile(this, true);
            wake.signal();
        }
    }

    /** Waits until the loop has ended; false on time-out. */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }

    /** Whether the loop has ended. */
    public boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    /** {@link #shutdown()} and wait (up to 10 s) for the end. Not from the loop thread. */
    @Override
    public void close() {
        if (inLoop()) {
            throw new IllegalStateException("close() would wait for the loop from its own thread; call shutdown()");
        }
        shutdown();
        try {
            if (!terminated.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("event loop " + name + " did not end within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the loop -------------------------------------------------------------------------------

    private void run() {
        try {
            arena = Arena.ofConfined();
            ring = openRing(entries);
            wake = EventFd.create();
            handlers[LOOP_SLOT] = this::onLoopCompletion;
            armWake();
        } catch (Throwable t) {
            startFailure = t;
            if (ring != null) {
                ring.close();
            }
            if (arena != null) {
                arena.close();
            }
            terminated.countDown();
            started.countDown();
            return;
        }
        started.countDown();
        try {
            loop();
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "event loop " + name + " failed; closing it", t);
        } finally {
            terminate();
        }
    }

    private static IoUring openRing(int entries) {
        int cq = Math.min(entries * CQ_FACTOR, IoUringBuilder.MAX_ENTRIES * 2);
        try {
            return IoUring.builder().entries(entries).cqEntries(cq).deferTaskrun().open();
        } catch (IoUringUnavailableException e) {
            throw e;
        } catch (IoUringException e) {
            try {
                return IoUring.builder().entries(entries).cqEntries(cq).singleIssuer().coopTaskrun().open();
            } catch (IoUringUnavailableException e2) {
                throw e2;
            } catch (IoUringException e2) {
                return IoUring.builder().entries(entries).cqEntries(cq).open();
            }
        }
    }

    private void loop() {
        boolean shuttingDown = false;
        long deadline = 0;
        int budget = tasks.capacity();
        for (;;) {
            now = System.nanoTime();
            runTasks(budget);
            if (shutdownRequested && !shuttingDown) {
                shuttingDown = true;
                deadline = now + SHUTDOWN_GRACE_NANOS;
                runHooks(shutdownHooks, false);
            }
            if (shuttingDown && (live == 0 || System.nanoTime() - deadline > 0)) {
                if (live > 0) {
                    LOG.log(System.Logger.Level.WARNING, "event loop " + name + ": " + live
                            + " handler(s) still busy after the shutdown grace period; cancelling their work");
                }
                return;
            }
            Runnable[] hooks = iterationHooks;
            for (Runnable h : hooks) {
                try {
                    h.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "iteration hook on event loop " + name + " failed", e);
                }
            }
            boolean block = tasks.isEmpty();
            if (block) {
                awake = false;
                if (!tasks.isEmpty() || (shutdownRequested && !shuttingDown)) {
                    awake = true;
                    block = false;
                }
            }
            int rc;
            if (!block) {
                rc = ring.submit();
            } else if (shuttingDown) {
                rc = ring.submitAndWait(1, SHUTDOWN_POLL_NANOS);
            } else {
                rc = ring.submitAndWait(1);
            }
            awake = true;
            if (rc < 0 && rc != -Errno.ETIME && rc != -Errno.EINTR && rc != -Errno.EBUSY && rc != -Errno.EAGAIN) {
                throw new IoUringException("io_uring_enter in event loop " + name, rc, null);
            }
            completions += ring.forEachCqe(dispatch);
        }
    }

    private void runTasks(int budget) {
        for (int i = 0; i < budget; i++) {
            Runnable r = tasks.poll();
            if (r == null) {
                return;
            }
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "task on event loop " + name + " failed", e);
            }
        }
    }

    private void dispatch(long userData, int res, int flags) {
        int slot = (int) (userData >>> 32);
        CompletionHandler h = slot < handlers.length ? handlers[slot] : null;
        if (h == null) {
            if (CqeFlags.hasBuffer(flags)) {
                LOG.log(System.Logger.Level.ERROR, "event loop " + name + ": completion for free slot " + slot
                        + " carries provided buffer " + CqeFlags.bufferId(flags) + "; it is lost to its ring");
            }
            return;
        }
        try {
            h.onCompletion((int) userData, res, flags);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "completion handler on event loop " + name + " failed", e);
        }
    }

    private void onLoopCompletion(int tag, int res, int flags) {
        if (tag == WAKE_TAG) {
            if (res >= 0) {
                wake.drain();
            }
            if (!CqeFlags.hasMore(flags) && !isClosing) {
                armWake();
            }
        }
    }

    private void armWake() {
        sqe().pollAddMultishot(wake.fd(), OpFlags.POLLIN).userData(userData(LOOP_SLOT, WAKE_TAG));
    }

    private void runHooks(List<Runnable> hooks, boolean reverse) {
        for (int i = 0; i < hooks.size(); i++) {
            Runnable r = hooks.get(reverse ? hooks.size() - 1 - i : i);
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "shutdown hook on event loop " + name + " failed", e);
            }
        }
    }

    private void terminate() {
        isClosing = true;
        try {
            ring.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "closing the ring of event loop " + name + " failed", e);
        }
        try {
            runHooks(terminateHooks, true);
            wake.close();
        } finally {
            // whatever failed above, waiters must learn that the loop has ended
            terminated.countDown();
            // tasks offered after the end are dropped; run what is left so nobody waits forever
            runTasks(tasks.capacity());
            arena.close();
        }
    }

    private void checkInLoop() {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("this must run on event loop thread " + name + ", not on "
                    + Thread.currentThread().getName() + "; hand it over with execute()");
        }
    }

    @Override
    public String toString() {
        return "EventLoop[" + name + "]";
    }

    // VarHandle mechanics
    private static final VarHandle AWAKE;

    static {
        try {
            AWAKE = MethodHandles.lookup().findVarHandle(EventLoop.class, "awake", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
