package dev.iobuf.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Test-only libc calls for sockets and files: socketpair, a loopback TCP listener, open, close. */
final class TestNet {
    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_REUSEADDR = 2;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0x40;
    static final int O_TRUNC = 0x200;
    static final int O_DIRECT = 0x4000;
    static final int O_CLOEXEC = 0x80000;
    static final int SOCKADDR_IN_BYTES = 16;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SOCKET = link("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKETPAIR = link("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle BIND = link("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle LISTEN = link("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = link("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle CONNECT = link("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle OPEN = link("open", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle WRITE = link("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle READ = link("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));

    private TestNet() {
    }

    private static MethodHandle link(String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, options);
    }

    /** A connected AF_UNIX stream pair. */
    static int[] socketPair() throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            int rc = (int) SOCKETPAIR.invokeExact(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds.address());
            check(rc, "socketpair");
            return new int[] {fds.get(JAVA_INT, 0), fds.get(JAVA_INT, 4)};
        }
    }

    /** Writes a sockaddr_in for 127.0.0.1:port into {@code sa} (16 bytes). */
    static void loopback(MemorySegment sa, int port) {
        sa.fill((byte) 0);
        sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
        sa.set(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
        sa.set(ValueLayout.JAVA_BYTE, 4, (byte) 127);
        sa.set(ValueLayout.JAVA_BYTE, 7, (byte) 1);
    }

    /** A listening TCP socket on 127.0.0.1 with an ephemeral port; returns {fd, port}. */
    static int[] listener() throws Throwable {
        int fd = (int) SOCKET.invokeExact(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        check(fd, "socket");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(SOCKADDR_IN_BYTES);
            loopback(sa, 0);
            check((int) BIND.invokeExact(fd, sa.address(), SOCKADDR_IN_BYTES), "bind");
            check((int) LISTEN.invokeExact(fd, 128), "listen");
            MemorySegment len = a.allocateFrom(JAVA_INT, SOCKADDR_IN_BYTES);
            check((int) GETSOCKNAME.invokeExact(fd, sa.address(), len.address()), "getsockname");
            int port = Short.toUnsignedInt(sa.get(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2));
            return new int[] {fd, port};
        }
    }

    /** A TCP socket connected (blocking) to 127.0.0.1:port. */
    static int connect(int port) throws Throwable {
        int fd = (int) SOCKET.invokeExact(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        check(fd, "socket");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(SOCKADDR_IN_BYTES);
            loopback(sa, port);
            check((int) CONNECT.invokeExact(fd, sa.address(), SOCKADDR_IN_BYTES), "connect");
        }
        return fd;
    }

    static int tcpSocket() throws Throwable {
        int fd = (int) SOCKET.invokeExact(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        check(fd, "socket");
        return fd;
    }

    static int open(String path, int flags) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(a.allocateFrom(path).address(), flags | O_CLOEXEC, 0644);
            check(fd, "open " + path);
            return fd;
        }
    }

    static void close(int fd) throws Throwable {
        int rc = (int) CLOSE.invokeExact(fd);
        check(rc, "close");
    }

    static long write(int fd, MemorySegment buf) throws Throwable {
        return (long) WRITE.invokeExact(fd, buf.address(), buf.byteSize());
    }

    static long read(int fd, MemorySegment buf) throws Throwable {
        return (long) READ.invokeExact(fd, buf.address(), buf.byteSize());
    }

    private static void check(int rc, String what) {
        if (rc < 0) {
            throw new IllegalStateException(what + " failed");
        }
    }
}
