package dev.iobuf.uring;

import dev.iobuf.internal.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** Test helpers for sockets and files over the project's libc binding: socketpair, a loopback TCP listener, open, close. */
final class TestNet {
    static final int AF_UNIX = Libc.AF_UNIX;
    static final int AF_INET = Libc.AF_INET;
    static final int SOCK_STREAM = Libc.SOCK_STREAM;
    static final int SOCK_CLOEXEC = Libc.SOCK_CLOEXEC;
    static final int SOL_SOCKET = Libc.SOL_SOCKET;
    static final int SO_REUSEADDR = Libc.SO_REUSEADDR;
    static final int O_RDWR = Libc.O_RDWR;
    static final int O_CREAT = Libc.O_CREAT;
    static final int O_TRUNC = Libc.O_TRUNC;
    static final int O_DIRECT = Libc.O_DIRECT;
    static final int O_CLOEXEC = Libc.O_CLOEXEC;
    static final int SOCKADDR_IN_BYTES = Libc.SOCKADDR_IN_BYTES;

    private TestNet() {
    }

    /** A connected AF_UNIX stream pair. */
    static int[] socketPair() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            check(Libc.socketpair(Libc.newErrnoState(a), AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds.address()), "socketpair");
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
    static int[] listener() {
        int fd = tcpSocket();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoState(a);
            MemorySegment sa = a.allocate(SOCKADDR_IN_BYTES);
            loopback(sa, 0);
            check(Libc.bind(errno, fd, sa.address(), SOCKADDR_IN_BYTES), "bind");
            check(Libc.listen(errno, fd, 128), "listen");
            MemorySegment len = a.allocateFrom(JAVA_INT, SOCKADDR_IN_BYTES);
            check(Libc.getsockname(errno, fd, sa.address(), len.address()), "getsockname");
            int port = Short.toUnsignedInt(sa.get(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2));
            return new int[] {fd, port};
        }
    }

    /** A TCP socket connected (blocking) to 127.0.0.1:port. */
    static int connect(int port) {
        int fd = tcpSocket();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(SOCKADDR_IN_BYTES);
            loopback(sa, port);
            check(Libc.connect(Libc.newErrnoState(a), fd, sa.address(), SOCKADDR_IN_BYTES), "connect");
        }
        return fd;
    }

    /** A UDP socket bound to 127.0.0.1 with an ephemeral port; returns {fd, port}. */
    static int[] udpSocket() {
        int fd = check(Libc.socket(Libc.IGNORED_ERRNO, AF_INET, Libc.SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoState(a);
            MemorySegment sa = a.allocate(SOCKADDR_IN_BYTES);
            loopback(sa, 0);
            check(Libc.bind(errno, fd, sa.address(), SOCKADDR_IN_BYTES), "bind");
            MemorySegment len = a.allocateFrom(JAVA_INT, SOCKADDR_IN_BYTES);
            check(Libc.getsockname(errno, fd, sa.address(), len.address()), "getsockname");
            return new int[] {fd, Short.toUnsignedInt(sa.get(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2))};
        }
    }

    static int tcpSocket() {
        return check(Libc.socket(Libc.IGNORED_ERRNO, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket");
    }

    static int open(String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            return check(Libc.open(Libc.newErrnoState(a), a.allocateFrom(path).address(), flags | O_CLOEXEC, 0644),
                    "open " + path);
        }
    }

    static void close(int fd) {
        check(Libc.close(Libc.IGNORED_ERRNO, fd), "close");
    }

    static long write(int fd, MemorySegment buf) {
        return Libc.write(Libc.IGNORED_ERRNO, fd, buf.address(), buf.byteSize());
    }

    static long read(int fd, MemorySegment buf) {
        return Libc.read(Libc.IGNORED_ERRNO, fd, buf.address(), buf.byteSize());
    }

    private static int check(int rc, String what) {
        if (rc < 0) {
            throw new IllegalStateException(what + " failed: " + Errno.describe(rc));
        }
        return rc;
    }
}
