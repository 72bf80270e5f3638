package dev.iobuf.net.uring;

import dev.iobuf.internal.Libc;
import dev.iobuf.uring.Errno;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The few socket calls io_uring does not do for us here, through the project's one libc binding
 * ({@link Libc}): creating, binding and listening on a TCP socket, socket options, closing.
 * Setup-path calls report errno; the per-connection ones ({@link #close}, {@link #setNoDelay},
 * {@link #shutdownOutput}) ignore it and allocate nothing.
 */
final class SocketCalls {
    static final int SOCK_CLOEXEC = Libc.SOCK_CLOEXEC;

    /** An int 1 for socket options, never written. */
    private static final MemorySegment ONE = Arena.global().allocateFrom(JAVA_INT, 1);

    private SocketCalls() {
    }

    /**
     * A TCP socket listening on {@code host:port} (port 0: any free port) with SO_REUSEADDR;
     * returns {fd, bound port}.
     *
     * @throws IOException naming the failed call and errno (e.g. EADDRINUSE: the port is taken)
     */
    static int[] listen(String host, int port, int backlog) throws IOException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        InetAddress addr;
        try {
            addr = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IOException("cannot resolve host '" + host + "': " + e.getMessage(), e);
        }
        if (!(addr instanceof Inet4Address)) {
            throw new IOException("only IPv4 addresses are supported; got " + addr.getHostAddress()
                    + " for '" + host + "' (use 127.0.0.1 or 0.0.0.0)");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoState(a);
            int fd = check(Libc.socket(errno, Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0),
                    "socket(AF_INET, SOCK_STREAM)", null);
            try {
                check(Libc.setsockopt(errno, fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, ONE.address(), 4),
                        "setsockopt(SO_REUSEADDR)", null);
                MemorySegment sa = a.allocate(Libc.SOCKADDR_IN_BYTES);
                sa.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_INET);
                sa.set(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
                MemorySegment.copy(addr.getAddress(), 0, sa, ValueLayout.JAVA_BYTE, 4, 4);
                check(Libc.bind(errno, fd, sa.address(), Libc.SOCKADDR_IN_BYTES),
                        "bind(" + addr.getHostAddress() + ":" + port + ")", "pick another port or stop what uses it");
                check(Libc.listen(errno, fd, backlog), "listen", null);
                MemorySegment len = a.allocateFrom(JAVA_INT, Libc.SOCKADDR_IN_BYTES);
                check(Libc.getsockname(errno, fd, sa.address(), len.address()), "getsockname", null);
                int bound = Short.toUnsignedInt(sa.get(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2));
                return new int[] {fd, bound};
            } catch (IOException | RuntimeException e) {
                close(fd);
                throw e;
            }
        }
    }

    private static int check(int rc, String call, String advice) throws IOException {
        if (rc < 0) {
            throw new IOException(call + " failed: " + Errno.describe(rc) + (advice == null ? "" : "; " + advice));
        }
        return rc;
    }

    /** TCP_NODELAY on {@code fd}; failures are ignored (the socket still works, only slower). */
    static void setNoDelay(int fd) {
        Libc.setsockopt(Libc.IGNORED_ERRNO, fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, ONE.address(), 4);
    }

    /** Ends the sending direction of {@code fd} (FIN after queued data); errors are ignored. */
    static void shutdownOutput(int fd) {
        Libc.shutdown(Libc.IGNORED_ERRNO, fd, Libc.SHUT_WR);
    }

    /** Closes {@code fd}; errors are ignored (Linux releases the descriptor even when close fails). */
    static void close(int fd) {
        Libc.close(Libc.IGNORED_ERRNO, fd);
    }
}
