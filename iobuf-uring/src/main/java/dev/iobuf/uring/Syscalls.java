package dev.iobuf.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The raw syscalls: {@code io_uring_setup/enter/register} through libc's {@code syscall}, and the
 * few libc calls the rings need ({@code mmap}, {@code munmap}, {@code close}, {@code eventfd},
 * {@code read}, {@code write}).
 *
 * <p>Every method returns the call's non-negative result, or {@code -errno}; none throws for a
 * failed call. The first parameter of each is a capture-state segment (see {@link #newErrnoState})
 * that receives {@code errno}; hot callers keep one per ring instead of allocating per call.
 */
final class Syscalls {
    /*
     * Implementation notes.
     *
     * libc's syscall(long number, ...) is variadic: it is linked with firstVariadicArg(1) and every
     * variadic argument is passed as a 64-bit long, because glibc reads them with va_arg(long) and
     * an int would leave the register's upper half undefined. The io_uring syscall numbers are the
     * same on x86-64 and aarch64 (and every architecture using the unified table since 5.1).
     *
     * None of the handles is critical: io_uring_enter blocks in GETEVENTS, close and read may
     * block, and a critical call would hold up the garbage collector meanwhile.
     */
    static final long SYS_IO_URING_SETUP = 425;
    static final long SYS_IO_URING_ENTER = 426;
    static final long SYS_IO_URING_REGISTER = 427;

    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_SHARED = 0x01;
    static final int MAP_POPULATE = 0x8000;
    static final int EFD_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CCS = Linker.Option.captureCallState("errno");

    private static final MethodHandle SYSCALL = link("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                    JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1), CCS);
    private static final MethodHandle MMAP = link("mmap",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), CCS);
    private static final MethodHandle MUNMAP = link("munmap",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), CCS);
    private static final MethodHandle CLOSE = link("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT), CCS);
    private static final MethodHandle EVENTFD = link("eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CCS);
    private static final MethodHandle READ = link("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), CCS);
    private static final MethodHandle WRITE = link("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), CCS);

    private Syscalls() {
    }

    private static MethodHandle link(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** A segment to receive errno, allocated in {@code arena}; reuse it for every call of one thread. */
    static MemorySegment newErrnoState(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    private static long result(long rc, MemorySegment state) {
        return rc >= 0 ? rc : -(int) ERRNO.get(state, 0L);
    }

    /** {@code io_uring_setup(entries, params)}: the ring's fd, or {@code -errno}. */
    static int setup(MemorySegment state, int entries, long params) {
        try {
            return (int) result((long) SYSCALL.invokeExact(state, SYS_IO_URING_SETUP,
                    (long) entries, params, 0L, 0L, 0L, 0L), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code io_uring_enter(fd, toSubmit, minComplete, flags, arg, argSize)}: the number of SQEs
     * consumed, or {@code -errno}.
     */
    static int enter(MemorySegment state, int fd, int toSubmit, int minComplete, int flags,
                     long arg, long argSize) {
        try {
            return (int) result((long) SYSCALL.invokeExact(state, SYS_IO_URING_ENTER,
                    (long) fd, (long) toSubmit, (long) minComplete, (long) flags, arg, argSize), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code io_uring_register(fd, opcode, arg, nrArgs)}: the opcode's result, or {@code -errno}. */
    static int register(MemorySegment state, int fd, int opcode, long arg, int nrArgs) {
        try {
            return (int) result((long) SYSCALL.invokeExact(state, SYS_IO_URING_REGISTER,
                    (long) fd, (long) opcode, arg, (long) nrArgs, 0L, 0L), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code mmap(NULL, length, RW, MAP_SHARED|MAP_POPULATE, fd, offset)}: the address, or {@code -errno}. */
    static long mmapShared(MemorySegment state, long length, int fd, long offset) {
        try {
            long p = (long) MMAP.invokeExact(state, MemorySegment.NULL, length, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_POPULATE, fd, offset);
            return p == -1L ? -(int) ERRNO.get(state, 0L) : p;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code munmap}: 0, or {@code -errno}. */
    static int munmap(MemorySegment state, long address, long length) {
        try {
            return (int) result((int) MUNMAP.invokeExact(state, address, length), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code close}: 0, or {@code -errno}. */
    static int close(MemorySegment state, int fd) {
        try {
            return (int) result((int) CLOSE.invokeExact(state, fd), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code eventfd(initval, flags)}: the fd, or {@code -errno}. */
    static int eventfd(MemorySegment state, int initval, int flags) {
        try {
            return (int) result((int) EVENTFD.invokeExact(state, initval, flags), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code read(fd, buf, count)}: bytes read, or {@code -errno}. */
    static long read(MemorySegment state, int fd, long buf, long count) {
        try {
            return result((long) READ.invokeExact(state, fd, buf, count), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code write(fd, buf, count)}: bytes written, or {@code -errno}. */
    static long write(MemorySegment state, int fd, long buf, long count) {
        try {
            return result((long) WRITE.invokeExact(state, fd, buf, count), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("unexpected checked exception from a native call", t);
    }
}
