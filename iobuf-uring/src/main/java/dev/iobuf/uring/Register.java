package dev.iobuf.uring;

import dev.iobuf.memory.IoVec;
import dev.iobuf.pool.BufferPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.util.Arrays;

/**
 * The {@code io_uring_register} operations of one ring: registered buffers, registered files,
 * the ring fd, an eventfd, enabling, probing. Obtained from {@link IoUring#register()}.
 *
 * <p>None of these is a hot-path call: each builds its argument structs in a short-lived confined
 * arena, and failures throw {@link IoUringException} with the errno and what to do. Same thread
 * rules as the ring.
 */
public final class Register {
    static final int REGISTER_BUFFERS = 0;
    static final int UNREGISTER_BUFFERS = 1;
    static final int REGISTER_FILES = 2;
    static final int UNREGISTER_FILES = 3;
    static final int REGISTER_EVENTFD = 4;
    static final int UNREGISTER_EVENTFD = 5;
    static final int REGISTER_FILES_UPDATE = 6;
    static final int REGISTER_PROBE = 8;
    static final int REGISTER_ENABLE_RINGS = 12;
    static final int REGISTER_FILES2 = 13;
    static final int REGISTER_BUFFERS2 = 15;
    static final int REGISTER_BUFFERS_UPDATE = 16;
    static final int REGISTER_RING_FDS = 20;
    static final int UNREGISTER_RING_FDS = 21;
    static final int REGISTER_PBUF_RING = 22;
    static final int UNREGISTER_PBUF_RING = 23;
    static final int REGISTER_FILE_ALLOC_RANGE = 25;

    /** The most buffers one ring can register. */
    public static final int MAX_BUFFERS = 16384;
    /** The largest single registered buffer. */
    public static final long MAX_BUFFER_BYTES = 1L << 30;

    private static final String BUFFER_ADVICE = "register 1.." + MAX_BUFFERS + " native buffers of 1 byte..1 GiB "
            + "each, from anonymous memory (not file mappings); EBUSY means buffers are already registered "
            + "(unregister or update them); ENOMEM means RLIMIT_MEMLOCK (ulimit -l) is too low";
    private static final String FILE_ADVICE = "pass open fds (or -1 for an empty slot); EBUSY means files are "
            + "already registered (unregister or update them); EMFILE means more than RLIMIT_NOFILE slots";

    private final IoUring ring;

    Register(IoUring ring) {
        this.ring = ring;
    }

    private int call(int opcode, long arg, int nrArgs) {
        ring.checkOpen();
        return Syscalls.register(ring.errnoState(), ring.fd, opcode, arg, nrArgs);
    }

    private static int check(String what, int rc, String advice) {
        if (rc < 0) {
            throw new IoUringException("io_uring_register(" + what + ")", rc, advice);
        }
        return rc;
    }

    // ---- buffers ----------------------------------------------------------------------------

    /**
     * {@code IORING_REGISTER_BUFFERS}: registers each region as one fixed buffer, index = position.
     * READ_FIXED/WRITE_FIXED may then address any sub-range of a region by its index, so one large
     * slab registered as one buffer serves all the buffers carved from it.
     */
    public void buffers(MemorySegment... regions) {
        checkRegions(regions);
        IoVec iov = IoVec.of(regions);
        try {
            check("REGISTER_BUFFERS", call(REGISTER_BUFFERS, iov.address(), regions.length), BUFFER_ADVICE);
            remember(0, regions, true);
        } finally {
            Reference.reachabilityFence(iov); // its memory is freed by the GC, not before the call returned
        }
    }

    /**
     * Registers the slab of each pool as ONE fixed buffer, index = position; address a pool's
     * buffers with {@link Sqe#readFixed(int, BufferPool, int, int, long, int)} and its siblings.
     */
    public void buffers(BufferPool... pools) {
        MemorySegment[] slabs = new MemorySegment[pools.length];
        for (int i = 0; i < pools.length; i++) {
            slabs[i] = pools[i].slab();
        }
        buffers(slabs);
    }

    /**
     * {@code IORING_REGISTER_BUFFERS2} with tags (5.13): when a buffer is later replaced or
     * unregistered, a CQE with {@code userData == tag} is posted once the kernel stops using it
     * (tag 0: no CQE).
     */
    public void buffers(MemorySegment[] regions, long[] tags) {
        checkRegions(regions);
        checkTags(regions.length, tags);
        try (Arena a = Arena.ofConfined()) {
            IoVec iov = IoVec.of(regions);
            MemorySegment reg = a.allocate(RsrcRegisterLayout.LAYOUT);
            reg.set(ValueLayout.JAVA_INT, RsrcRegisterLayout.NR, regions.length);
            reg.set(ValueLayout.JAVA_LONG, RsrcRegisterLayout.DATA, iov.address());
            reg.set(ValueLayout.JAVA_LONG, RsrcRegisterLayout.TAGS, a.allocateFrom(ValueLayout.JAVA_LONG, tags).address());
            try {
                check("REGISTER_BUFFERS2", call(REGISTER_BUFFERS2, reg.address(), (int) RsrcRegisterLayout.BYTES),
                        BUFFER_ADVICE);
                remember(0, regions, true);
            } finally {
                Reference.reachabilityFence(iov);
            }
        }
    }

    /** {@code IORING_REGISTER_BUFFERS2} sparse (5.19): {@code count} empty slots to fill with {@link #updateBuffers}. */
    public void buffersSparse(int count) {
        sparse("REGISTER_BUFFERS2 sparse", REGISTER_BUFFERS2, count, BUFFER_ADVICE);
        ring.buffers().reset(count);
    }

    /**
     * {@code IORING_REGISTER_BUFFERS_UPDATE}: replaces slots {@code offset..offset+regions.length-1}
     * ({@code tags} may be {@code null}); returns how many were updated.
     */
    public int updateBuffers(int offset, MemorySegment[] regions, long[] tags) {
        checkRegions(regions);
        if (tags != null) {
            checkTags(regions.length, tags);
        }
        try (Arena a = Arena.ofConfined()) {
            IoVec iov = IoVec.of(regions);
            MemorySegment up = a.allocate(RsrcUpdate2Layout.LAYOUT);
            up.set(ValueLayout.JAVA_INT, RsrcUpdate2Layout.OFFSET, offset);
            up.set(ValueLayout.JAVA_LONG, RsrcUpdate2Layout.DATA, iov.address());
            up.set(ValueLayout.JAVA_LONG, RsrcUpdate2Layout.TAGS,
                    tags == null ? 0L : a.allocateFrom(ValueLayout.JAVA_LONG, tags).address());
            up.set(ValueLayout.JAVA_INT, RsrcUpdate2Layout.NR, regions.length);
            try {
                int n = check("REGISTER_BUFFERS_UPDATE", call(REGISTER_BUFFERS_UPDATE, up.address(),
                        (int) RsrcUpdate2Layout.BYTES), BUFFER_ADVICE);
                remember(offset, Arrays.copyOf(regions, n), false);
                return n;
            } finally {
                Reference.reachabilityFence(iov);
            }
        }
    }

    /** {@code IORING_UNREGISTER_BUFFERS}. */
    public void unregisterBuffers() {
        check("UNREGISTER_BUFFERS", call(UNREGISTER_BUFFERS, 0L, 0), "ENXIO means no buffers were registered");
        ring.buffers().reset(0);
    }

    /**
     * {@code IORING_REGISTER_BUFFERS_UPDATE} with empty entries: slots {@code offset..offset+count-1}
     * of a sparse table hold no buffer any more (the kernel drops its page references once no
     * operation uses them); returns how many were cleared.
     */
    public int clearBuffers(int offset, int count) {
        if (count < 1 || count > MAX_BUFFERS) {
            throw new IllegalArgumentException("clear 1.." + MAX_BUFFERS + " slots, got " + count);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment empty = a.allocate(16L * count, 8); // zeroed iovecs: no base, no length
            MemorySegment up = a.allocate(RsrcUpdate2Layout.LAYOUT);
            up.set(ValueLayout.JAVA_INT, RsrcUpdate2Layout.OFFSET, offset);
            up.set(ValueLayout.JAVA_LONG, RsrcUpdate2Layout.DATA, empty.address());
            up.set(ValueLayout.JAVA_LONG, RsrcUpdate2Layout.TAGS, 0L);
            up.set(ValueLayout.JAVA_INT, RsrcUpdate2Layout.NR, count);
            int n = check("REGISTER_BUFFERS_UPDATE", call(REGISTER_BUFFERS_UPDATE, up.address(),
                    (int) RsrcUpdate2Layout.BYTES), BUFFER_ADVICE);
            ring.buffers().update(offset, new MemorySegment[n], false);
            return n;
        }
    }

    /** Records what the kernel accepted in the ring's table, which Sqe checks fixed-buffer operations against. */
    private void remember(int offset, MemorySegment[] regions, boolean fresh) {
        ring.buffers().update(offset, regions, fresh);
    }

    private static void checkRegions(MemorySegment[] regions) {
        if (regions.length == 0 || regions.length > MAX_BUFFERS) {
            throw new IllegalArgumentException("register 1.." + MAX_BUFFERS + " buffers, got " + regions.length);
        }
        for (MemorySegment r : regions) {
            if (!r.isNative() || r.byteSize() == 0 || r.byteSize() > MAX_BUFFER_BYTES) {
                throw new IllegalArgumentException("a registered buffer must be native and 1 byte..1 GiB; got "
                        + (r.isNative() ? r.byteSize() + " bytes" : "a heap segment"));
            }
        }
    }

    private static void checkTags(int count, long[] tags) {
        if (tags.length != count) {
            throw new IllegalArgumentException("one tag per buffer: " + count + " buffers, " + tags.length + " tags");
        }
    }

    private void sparse(String what, int opcode, int count, String advice) {
        if (count < 1) {
            throw new IllegalArgumentException("a sparse table needs at least 1 slot, got " + count);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment reg = a.allocate(RsrcRegisterLayout.LAYOUT);
            reg.set(ValueLayout.JAVA_INT, RsrcRegisterLayout.NR, count);
            reg.set(ValueLayout.JAVA_INT, RsrcRegisterLayout.FLAGS, RsrcRegisterLayout.SPARSE);
            check(what, call(opcode, reg.address(), (int) RsrcRegisterLayout.BYTES), advice);
        }
    }

    // ---- files ------------------------------------------------------------------------------

    /** {@code IORING_REGISTER_FILES}: fixed-file slot i holds {@code fds[i]} (-1: empty). */
    public void files(int... fds) {
        if (fds.length == 0) {
            throw new IllegalArgumentException("register at least 1 file");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment arr = a.allocateFrom(ValueLayout.JAVA_INT, fds);
            check("REGISTER_FILES", call(REGISTER_FILES, arr.address(), fds.length), FILE_ADVICE);
        }
    }

    /** {@code IORING_REGISTER_FILES2} sparse (5.19): {@code count} empty fixed-file slots. */
    public void filesSparse(int count) {
        sparse("REGISTER_FILES2 sparse", REGISTER_FILES2, count, FILE_ADVICE);
    }

    /** {@code IORING_REGISTER_FILES_UPDATE}: slots from {@code offset} get {@code fds} (-1 clears); returns how many. */
    public int updateFiles(int offset, int... fds) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment arr = a.allocateFrom(ValueLayout.JAVA_INT, fds);
            MemorySegment up = a.allocate(RsrcUpdateLayout.LAYOUT);
            up.set(ValueLayout.JAVA_INT, RsrcUpdateLayout.OFFSET, offset);
            up.set(ValueLayout.JAVA_LONG, RsrcUpdateLayout.DATA, arr.address());
            return check("REGISTER_FILES_UPDATE", call(REGISTER_FILES_UPDATE, up.address(), fds.length), FILE_ADVICE);
        }
    }

    /**
     * {@code IORING_REGISTER_FILE_ALLOC_RANGE} (6.0): {@link OpFlags#FILE_INDEX_ALLOC} picks slots only
     * from {@code offset..offset+length-1}.
     */
    public void fileAllocRange(int offset, int length) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment range = a.allocate(FileIndexRangeLayout.LAYOUT);
            range.set(ValueLayout.JAVA_INT, FileIndexRangeLayout.OFF, offset);
            range.set(ValueLayout.JAVA_INT, FileIndexRangeLayout.LEN, length);
            check("REGISTER_FILE_ALLOC_RANGE", call(REGISTER_FILE_ALLOC_RANGE, range.address(), 0),
                    "the range must lie inside the registered file table");
        }
    }

    /** {@code IORING_UNREGISTER_FILES}. */
    public void unregisterFiles() {
        check("UNREGISTER_FILES", call(UNREGISTER_FILES, 0L, 0), "ENXIO means no files were registered");
    }

    // ---- ring fd, eventfd, enable, probe ----------------------------------------------------

    /**
     * {@code IORING_REGISTER_RING_FDS} (5.18): registers the ring fd with the calling thread's kernel
     * task, so {@code io_uring_enter} from this thread skips the fd lookup. Other threads keep
     * using the plain fd. Returns the registered index.
     *
     * @throws IllegalStateException from a virtual thread (it may change kernel task)
     */
    public int ringFd() {
        Thread me = Thread.currentThread();
        if (me.isVirtual()) {
            throw new IllegalStateException("register the ring fd from a platform thread: the registration "
                    + "belongs to one kernel task and a virtual thread may move between them");
        }
        if (ring.registeredFdOwner() != null) {
            throw new IllegalStateException("the ring fd is already registered (index " + ring.registeredFdIndex()
                    + ", thread " + ring.registeredFdOwner().getName() + ")");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment up = a.allocate(RsrcUpdateLayout.LAYOUT);
            up.set(ValueLayout.JAVA_INT, RsrcUpdateLayout.OFFSET, -1);
            up.set(ValueLayout.JAVA_LONG, RsrcUpdateLayout.DATA, ring.fd);
            check("REGISTER_RING_FDS", call(REGISTER_RING_FDS, up.address(), 1),
                    "each thread can register at most 16 ring fds");
            int index = up.get(ValueLayout.JAVA_INT, RsrcUpdateLayout.OFFSET);
            ring.useRegisteredFd(index, me);
            return index;
        }
    }

    /** Unregisters the ring fd registered by {@link #ringFd()}; must run on the thread that registered it. */
    public void unregisterRingFd() {
        if (ring.registeredFdOwner() != Thread.currentThread()) {
            throw new IllegalStateException("unregister the ring fd from the thread that registered it ("
                    + (ring.registeredFdOwner() == null ? "none did" : ring.registeredFdOwner().getName()) + ")");
        }
        check("UNREGISTER_RING_FDS", unregisterRingFdCall(), null);
    }

    void unregisterRingFdQuietly() {
        unregisterRingFdCall();
    }

    private int unregisterRingFdCall() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment up = a.allocate(RsrcUpdateLayout.LAYOUT);
            up.set(ValueLayout.JAVA_INT, RsrcUpdateLayout.OFFSET, ring.registeredFdIndex());
            int rc = Syscalls.register(ring.errnoState(), ring.fd, UNREGISTER_RING_FDS, up.address(), 1);
            ring.useRegisteredFd(ring.fd, null);
            return rc;
        }
    }

    /** {@code IORING_REGISTER_EVENTFD}: the kernel signals {@code eventFd} whenever it posts a completion. */
    public void eventFd(EventFd eventFd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fd = a.allocateFrom(ValueLayout.JAVA_INT, eventFd.fd());
            check("REGISTER_EVENTFD", call(REGISTER_EVENTFD, fd.address(), 1),
                    "EBUSY means an eventfd is already registered; unregister it first");
        }
    }

    /** {@code IORING_UNREGISTER_EVENTFD}. */
    public void unregisterEventFd() {
        check("UNREGISTER_EVENTFD", call(UNREGISTER_EVENTFD, 0L, 0), "ENXIO means none was registered");
    }

    void enableRings() {
        check("ENABLE_RINGS", call(REGISTER_ENABLE_RINGS, 0L, 0),
                "only a ring opened with IoUringBuilder.disabled() can be enabled, once");
    }

    /** The supported opcodes as a 256-bit set (4 longs). */
    long[] probe() {
        long[] bits = new long[4];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ProbeLayout.LAYOUT);
            check("REGISTER_PROBE", call(REGISTER_PROBE, p.address(), ProbeLayout.MAX_OPS),
                    "probing needs Linux 5.6");
            int len = Byte.toUnsignedInt(p.get(ValueLayout.JAVA_BYTE, ProbeLayout.OPS_LEN));
            for (int op = 0; op < len; op++) {
                short flags = p.get(ValueLayout.JAVA_SHORT, ProbeLayout.OPS + op * ProbeLayout.OP_BYTES + ProbeLayout.OP_FLAGS);
                if ((flags & ProbeLayout.OP_SUPPORTED) != 0) {
                    bits[op >>> 6] |= 1L << op;
                }
            }
        }
        return bits;
    }

    // ---- provided-buffer rings (used by BufferRing) -----------------------------------------

    int registerBufferRing(long ringAddr, int entries, int group, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment reg = a.allocate(BufRegLayout.LAYOUT);
            reg.set(ValueLayout.JAVA_LONG, BufRegLayout.RING_ADDR, ringAddr);
            reg.set(ValueLayout.JAVA_INT, BufRegLayout.RING_ENTRIES, entries);
            reg.set(ValueLayout.JAVA_SHORT, BufRegLayout.BGID, (short) group);
            reg.set(ValueLayout.JAVA_SHORT, BufRegLayout.FLAGS, (short) flags);
            return call(REGISTER_PBUF_RING, reg.address(), 1);
        }
    }

    int unregisterBufferRing(int group) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment reg = a.allocate(BufRegLayout.LAYOUT);
            reg.set(ValueLayout.JAVA_SHORT, BufRegLayout.BGID, (short) group);
            return call(UNREGISTER_PBUF_RING, reg.address(), 1);
        }
    }
}
