package dev.iobuf.uring;

import dev.iobuf.internal.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The three io_uring system calls, through the project's one libc binding ({@link Libc#syscall}),
 * and the shared ring mapping.
 *
 * <p>Every method returns the call's non-negative result, or {@code -errno}; none throws for a
 * failed call. The first parameter of each is a capture-state segment (see {@link #newErrnoState})
 * that receives {@code errno}; hot callers keep one per ring instead of allocating per call.
 */
final class Syscalls {
    /*
     * Implementation notes.
     *
     * The io_uring syscall numbers are the same on x86-64 and aarch64 (and every architecture
     * using the unified table since 5.1). The calls go through libc's syscall(), see Libc.
     */
    private Syscalls() {
    }

    /** A segment to receive errno, allocated in {@code arena}; reuse it for every call of one thread. */
    static MemorySegment newErrnoState(Arena arena) {
        return Libc.newErrnoState(arena);
    }

    /** {@code io_uring_setup(entries, params)}: the ring's fd, or {@code -errno}. */
    static int setup(MemorySegment state, int entries, long params) {
        return (int) Libc.syscall(state, Libc.SYS_IO_URING_SETUP, entries, params, 0L, 0L, 0L, 0L);
    }

    /**
     * {@code io_uring_enter(fd, toSubmit, minComplete, flags, arg, argSize)}: the number of SQEs
     * consumed, or {@code -errno}.
     */
    static int enter(MemorySegment state, int fd, int toSubmit, int minComplete, int flags, long arg, long argSize) {
        return (int) Libc.syscall(state, Libc.SYS_IO_URING_ENTER, fd, toSubmit, minComplete, flags, arg, argSize);
    }

    /** {@code io_uring_register(fd, opcode, arg, nrArgs)}: the opcode's result, or {@code -errno}. */
    static int register(MemorySegment state, int fd, int opcode, long arg, int nrArgs) {
        return (int) Libc.syscall(state, Libc.SYS_IO_URING_REGISTER, fd, opcode, arg, nrArgs, 0L, 0L);
    }

    /** {@code mmap(NULL, length, RW, MAP_SHARED|MAP_POPULATE, fd, offset)}: the address, or {@code -errno}. */
    static long mmapShared(MemorySegment state, long length, int fd, long offset) {
        return Libc.mmap(state, 0L, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE,
                fd, offset);
    }
}
