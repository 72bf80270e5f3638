package dev.iobuf.uring;

import dev.iobuf.internal.Libc;
import dev.iobuf.memory.MemoryBudget;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Creates a ring: {@code io_uring_setup} (with the NO_SQARRAY fall-back) and the mappings of the
 * SQ/CQ rings and the SQE array, all bound to the arena given. The result is what {@link IoUring}
 * is built from. On failure nothing is left open except the arena, which the caller closes.
 */
final class RingSetup {
    static final long OFF_SQ_RING = 0L;
    static final long OFF_CQ_RING = 0x8000000L;
    static final long OFF_SQES = 0x10000000L;

    final int fd;
    final int setupFlags;
    final int features;
    final MemorySegment errno;
    final SubmissionQueue sq;
    final CompletionQueue cq;

    private RingSetup(int fd, int setupFlags, int features, MemorySegment errno, SubmissionQueue sq,
                      CompletionQueue cq) {
        this.fd = fd;
        this.setupFlags = setupFlags;
        this.features = features;
        this.errno = errno;
        this.sq = sq;
        this.cq = cq;
    }

    static RingSetup open(IoUringBuilder b, Arena shared) {
        MemorySegment state = Syscalls.newErrnoState(shared);
        MemorySegment params = shared.allocate(ParamsLayout.LAYOUT);
        int flags = b.flags | (b.noSqArray ? SetupFlags.NO_SQARRAY : 0);
        int fd = setup(state, params, b, flags);
        if (fd == -Errno.EINVAL && (flags & SetupFlags.NO_SQARRAY) != 0) {
            flags &= ~SetupFlags.NO_SQARRAY;
            fd = setup(state, params, b, flags);
        }
        if (fd < 0) {
            throw failure(fd, b, flags);
        }
        try {
            int setupFlags = params.get(ValueLayout.JAVA_INT, ParamsLayout.FLAGS);
            int features = params.get(ValueLayout.JAVA_INT, ParamsLayout.FEATURES);
            int sqEntries = params.get(ValueLayout.JAVA_INT, ParamsLayout.SQ_ENTRIES);
            int cqEntries = params.get(ValueLayout.JAVA_INT, ParamsLayout.CQ_ENTRIES);
            long sqSize = params.get(ValueLayout.JAVA_INT, ParamsLayout.SQ_OFF + ParamsLayout.SQ_ARRAY)
                    + 4L * sqEntries;
            long cqSize = params.get(ValueLayout.JAVA_INT, ParamsLayout.CQ_OFF + ParamsLayout.CQ_CQES)
                    + CqeLayout.BYTES * cqEntries;
            MemorySegment sqRing;
            MemorySegment cqRing;
            if ((features & Feature.SINGLE_MMAP) != 0) {
                sqRing = map(shared, state, fd, Math.max(sqSize, cqSize), OFF_SQ_RING, "SQ/CQ rings");
                cqRing = sqRing;
            } else {
                sqRing = map(shared, state, fd, sqSize, OFF_SQ_RING, "SQ ring");
                cqRing = map(shared, state, fd, cqSize, OFF_CQ_RING, "CQ ring");
            }
            MemorySegment sqes = map(shared, state, fd, SqeLayout.BYTES * sqEntries, OFF_SQES, "SQE array");
            boolean noSqArray = (setupFlags & SetupFlags.NO_SQARRAY) != 0;
            return new RingSetup(fd, setupFlags, features, state,
                    new SubmissionQueue(sqRing, sqes, params, noSqArray), new CompletionQueue(cqRing, params));
        } catch (RuntimeException | Error e) {
            Libc.close(state, fd);
            throw e;
        }
    }

    private static int setup(MemorySegment state, MemorySegment params, IoUringBuilder b, int flags) {
        params.fill((byte) 0);
        params.set(ValueLayout.JAVA_INT, ParamsLayout.FLAGS, flags);
        params.set(ValueLayout.JAVA_INT, ParamsLayout.CQ_ENTRIES, b.cqEntries);
        params.set(ValueLayout.JAVA_INT, ParamsLayout.SQ_THREAD_IDLE, b.sqThreadIdleMillis);
        params.set(ValueLayout.JAVA_INT, ParamsLayout.SQ_THREAD_CPU, Math.max(b.sqThreadCpu, 0));
        return Syscalls.setup(state, b.entries, params.address());
    }

    private static RuntimeException failure(int rc, IoUringBuilder b, int flags) {
        if (IoUringUnavailableException.isUnavailable(rc)) {
            return IoUringUnavailableException.of(rc);
        }
        String call = "io_uring_setup(entries=" + b.entries + (b.cqEntries > 0 ? ", cqEntries=" + b.cqEntries : "")
                + ", flags=0x" + Integer.toHexString(flags) + ")";
        String advice = switch (-rc) {
            case Errno.EINVAL -> "use 1.." + IoUringBuilder.MAX_ENTRIES + " entries (or clamp()), cqEntries >= entries, "
                    + "and only setup flags this kernel (" + System.getProperty("os.version") + ") knows: "
                    + "SINGLE_ISSUER needs 6.0, DEFER_TASKRUN 6.1 (and SINGLE_ISSUER), COOP_TASKRUN 5.19";
            case Errno.ENOMEM -> "raise RLIMIT_MEMLOCK (ulimit -l; kernels before 5.12 charge rings to it) "
                    + "or use fewer entries";
            case Errno.EMFILE, Errno.ENFILE -> "close file descriptors or raise the open-file limit (ulimit -n)";
            default -> null;
        };
        return new IoUringException(call, rc, advice);
    }

    /**
     * Maps one of the ring's queues, counted by {@link MemoryBudget} until the ring's arena closes
     * (the kernel allocates these pages for the ring; they are native memory all the same).
     */
    private static MemorySegment map(Arena shared, MemorySegment state, int fd, long size, long offset, String what) {
        MemoryBudget.reserve(size, "io_uring " + what);
        long addr = Syscalls.mmapShared(state, size, fd, offset);
        if (addr < 0) {
            MemoryBudget.release(size);
            throw new IoUringException("mmap of the io_uring " + what + " (" + size + " bytes)", (int) addr,
                    "check the memory limits (ulimit -v, cgroup memory.max)");
        }
        return MemorySegment.ofAddress(addr).reinterpret(size, shared, s -> unmap(addr, size));
    }

    private static void unmap(long addr, long size) {
        Libc.munmap(Libc.IGNORED_ERRNO, addr, size);
        MemoryBudget.release(size);
    }
}
