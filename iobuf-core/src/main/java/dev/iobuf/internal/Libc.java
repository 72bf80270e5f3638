package dev.iobuf.internal;

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
 * The project's one binding of libc: every C function any iobuf module calls, linked once through
 * the FFM linker with {@code errno} captured. Internal: exported only to iobuf's own modules.
 *
 * <p>Every call returns its non-negative result, or {@code -errno}; none throws for a failed call.
 * The first parameter of each is a capture-state segment ({@link #newErrnoState}) that receives
 * {@code errno}: hot callers keep one per thread (a ring keeps one per ring) instead of allocating
 * per call; a caller that ignores the error may pass {@link #IGNORED_ERRNO}.
 */
public final class Libc {
    /*
     * Implementation notes.
     *
     * Pointers are passed as JAVA_LONG addresses (the same register class as ADDRESS on every
     * 64-bit ABI), so a hot call makes no MemorySegment. libc's syscall(long number, ...) is
     * variadic: it is linked with firstVariadicArg(1) and every variadic argument is passed as a
     * 64-bit long, because glibc reads them with va_arg(long) and an int would leave the register's
     * upper half undefined. open(path, flags, ...) is variadic after flags.
     *
     * None of the handles is critical: io_uring_enter blocks in GETEVENTS, close and read may
     * block, and a critical call would hold up the garbage collector meanwhile.
     *
     * IGNORED_ERRNO is one global segment shared by every thread for calls whose errno nobody
     * reads; concurrent native writes of an int there race harmlessly.
     */
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MAP_POPULATE = 0x8000;
    public static final int MADV_HUGEPAGE = 14;
    public static final int SC_PAGESIZE = 30;
    public static final int EFD_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0x40;
    public static final int O_TRUNC = 0x200;
    public static final int O_DIRECT = 0x4000;
    public static final int O_CLOEXEC = 0x80000;
    public static final int AT_FDCWD = -100;
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int IPPROTO_IPV6 = 41;
    public static final int IPV6_V6ONLY = 26;
    public static final int SO_REUSEPORT = 15;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int IPPROTO_TCP = 6;
    public static final int TCP_NODELAY = 1;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;
    public static final int MSG_NOSIGNAL = 0x4000;
    /** recvmsg flag: return a datagram's full length even when it did not fit; in msg_flags, it did not fit. */
    public static final int MSG_TRUNC = 0x20;
    public static final int F_SETPIPE_SZ = 1031;
    public static final int F_GETPIPE_SZ = 1032;
    public static final int PROT_NONE = 0x0;
    public static final int MAP_FIXED = 0x10;
    public static final int MFD_CLOEXEC = 0x1;
    /** {@code struct sockaddr_in}: family u16, port u16 and address u32 in network order, 8 bytes zero. */
    public static final int SOCKADDR_IN_BYTES = 16;
    /**
     * {@code struct sockaddr_in6}: family u16, port u16 in network order, flowinfo u32, address 16
     * bytes, scope id u32.
     */
    public static final int SOCKADDR_IN6_BYTES = 28;

    public static final long SYS_IO_URING_SETUP = 425;
    public static final long SYS_IO_URING_ENTER = 426;
    public static final long SYS_IO_URING_REGISTER = 427;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CCS = Linker.Option.captureCallState("errno");

    /** A capture-state segment for calls whose errno is never read; shared by every thread. */
    public static final MemorySegment IGNORED_ERRNO = Arena.global().allocate(CAPTURE);

    private static final MethodHandle SYSCALL = link("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1), CCS);
    private static final MethodHandle MMAP = link("mmap",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), CCS);
    private static final MethodHandle MUNMAP = link("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), CCS);
    private static final MethodHandle MADVISE = link("madvise",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), CCS);
    private static final MethodHandle SYSCONF = link("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    private static final MethodHandle STRERROR = link("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle OPEN = link("open", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2), CCS);
    private static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CCS);
    private static final MethodHandle READ = link("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), CCS);
    private static final MethodHandle WRITE = link("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), CCS);
    private static final MethodHandle EVENTFD = link("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CCS);
    private static final MethodHandle SOCKET = link("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), CCS);
    private static final MethodHandle SOCKETPAIR = link("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), CCS);
    private static final MethodHandle SETSOCKOPT = link("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), CCS);
    private static final MethodHandle GETSOCKOPT = link("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), CCS);
    private static final MethodHandle BIND = link("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), CCS);
    private static final MethodHandle CONNECT = link("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), CCS);
    private static final MethodHandle LISTEN = link("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CCS);
    private static final MethodHandle GETSOCKNAME = link("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), CCS);
    private static final MethodHandle GETPEERNAME = link("getpeername",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), CCS);
    private static final MethodHandle SHUTDOWN = link("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CCS);
    private static final MethodHandle MEMFD_CREATE = link("memfd_create", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT), CCS);
    private static final MethodHandle FTRUNCATE = link("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), CCS);
    private static final MethodHandle PIPE2 = link("pipe2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT), CCS);
    private static final MethodHandle FCNTL = link("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2), CCS);

    private Libc() {
    }

    private static MethodHandle link(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** A segment to receive errno, allocated in {@code arena}; reuse it for every call of one thread. */
    public static MemorySegment newErrnoState(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    private static long result(long rc, MemorySegment state) {
        return rc >= 0 ? rc : -(int) ERRNO.get(state, 0L);
    }

    private static int result(int rc, MemorySegment state) {
        return rc >= 0 ? rc : -(int) ERRNO.get(state, 0L);
    }

    /** libc's {@code syscall(number, a..f)}: the call's result, or {@code -errno}. */
    public static long syscall(MemorySegment state, long number, long a, long b, long c, long d, long e, long f) {
        try {
            return result((long) SYSCALL.invokeExact(state, number, a, b, c, d, e, f), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code mmap(address, length, prot, flags, fd, offset)}: the mapping's address, or {@code -errno}. */
    public static long mmap(MemorySegment state, long address, long length, int prot, int flags, int fd, long offset) {
        try {
            long p = (long) MMAP.invokeExact(state, address, length, prot, flags, fd, offset);
            return p == -1L ? -(int) ERRNO.get(state, 0L) : p;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code munmap}: 0, or {@code -errno}. */
    public static int munmap(MemorySegment state, long address, long length) {
        try {
            return result((int) MUNMAP.invokeExact(state, address, length), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code madvise}: 0, or {@code -errno}. */
    public static int madvise(MemorySegment state, long address, long length, int advice) {
        try {
            return result((int) MADVISE.invokeExact(state, address, length, advice), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sysconf(name)}: the value, or -1 when unknown. */
    public static long sysconf(int name) {
        try {
            return (long) SYSCONF.invokeExact(name);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The C library's text for {@code errno}, e.g. "Cannot allocate memory". */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code open(path, flags, mode)} with {@code path} a NUL-terminated string's address: the fd, or {@code -errno}. */
    public static int open(MemorySegment state, long path, int flags, int mode) {
        try {
            return result((int) OPEN.invokeExact(state, path, flags, mode), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code close}: 0, or {@code -errno}. Linux releases the descriptor even when close fails. */
    public static int close(MemorySegment state, int fd) {
        try {
            return result((int) CLOSE.invokeExact(state, fd), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code read(fd, buf, count)}: bytes read, or {@code -errno}. */
    public static long read(MemorySegment state, int fd, long buf, long count) {
        try {
            return result((long) READ.invokeExact(state, fd, buf, count), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code write(fd, buf, count)}: bytes written, or {@code -errno}. */
    public static long write(MemorySegment state, int fd, long buf, long count) {
        try {
            return result((long) WRITE.invokeExact(state, fd, buf, count), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code eventfd(initval, flags)}: the fd, or {@code -errno}. */
    public static int eventfd(MemorySegment state, int initval, int flags) {
        try {
            return result((int) EVENTFD.invokeExact(state, initval, flags), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code socket(domain, type, protocol)}: the fd, or {@code -errno}. */
    public static int socket(MemorySegment state, int domain, int type, int protocol) {
        try {
            return result((int) SOCKET.invokeExact(state, domain, type, protocol), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code socketpair(domain, type, protocol, sv)} with {@code sv} the address of two ints: 0, or {@code -errno}. */
    public static int socketpair(MemorySegment state, int domain, int type, int protocol, long sv) {
        try {
            return result((int) SOCKETPAIR.invokeExact(state, domain, type, protocol, sv), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code setsockopt(fd, level, name, value, length)}: 0, or {@code -errno}. */
    public static int setsockopt(MemorySegment state, int fd, int level, int name, long value, int length) {
        try {
            return result((int) SETSOCKOPT.invokeExact(state, fd, level, name, value, length), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code getsockopt(fd, level, name, value, lengthPointer)}, {@code lengthPointer} the address of
     * a u32 holding the size of {@code value} (the kernel writes the size it used): 0, or {@code -errno}.
     */
    public static int getsockopt(MemorySegment state, int fd, int level, int name, long value, long lengthPointer) {
        try {
            return result((int) GETSOCKOPT.invokeExact(state, fd, level, name, value, lengthPointer), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code bind(fd, address, length)}: 0, or {@code -errno}. */
    public static int bind(MemorySegment state, int fd, long address, int length) {
        try {
            return result((int) BIND.invokeExact(state, fd, address, length), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code connect(fd, address, length)} (blocking unless the socket is not): 0, or {@code -errno}. */
    public static int connect(MemorySegment state, int fd, long address, int length) {
        try {
            return result((int) CONNECT.invokeExact(state, fd, address, length), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code listen(fd, backlog)}: 0, or {@code -errno}. */
    public static int listen(MemorySegment state, int fd, int backlog) {
        try {
            return result((int) LISTEN.invokeExact(state, fd, backlog), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code getpeername(fd, address, lengthPointer)}: 0, or {@code -errno}. */
    public static int getpeername(MemorySegment state, int fd, long address, long lengthPointer) {
        try {
            return result((int) GETPEERNAME.invokeExact(state, fd, address, lengthPointer), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code getsockname(fd, address, lengthPointer)}: 0, or {@code -errno}. */
    public static int getsockname(MemorySegment state, int fd, long address, long lengthPointer) {
        try {
            return result((int) GETSOCKNAME.invokeExact(state, fd, address, lengthPointer), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code shutdown(fd, how)}: 0, or {@code -errno}. */
    public static int shutdown(MemorySegment state, int fd, int how) {
        try {
            return result((int) SHUTDOWN.invokeExact(state, fd, how), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code memfd_create(name, flags)} with {@code name} a NUL-terminated string's address: the fd, or {@code -errno}. */
    public static int memfdCreate(MemorySegment state, long name, int flags) {
        try {
            return result((int) MEMFD_CREATE.invokeExact(state, name, flags), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ftruncate(fd, length)}: 0, or {@code -errno}. */
    public static int ftruncate(MemorySegment state, int fd, long length) {
        try {
            return result((int) FTRUNCATE.invokeExact(state, fd, length), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code pipe2(fds, flags)}: writes the read end then the write end as two ints at {@code fds}; 0, or {@code -errno}. */
    public static int pipe2(MemorySegment state, long fds, int flags) {
        try {
            return result((int) PIPE2.invokeExact(state, fds, flags), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code fcntl(fd, cmd, arg)} for the commands taking an int: the result, or {@code -errno}. */
    public static int fcntl(MemorySegment state, int fd, int cmd, int arg) {
        try {
            return result((int) FCNTL.invokeExact(state, fd, cmd, arg), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Rethrows what a downcall threw: unchecked as it is, anything else wrapped. */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("unexpected checked exception from a native call", t);
    }
}
