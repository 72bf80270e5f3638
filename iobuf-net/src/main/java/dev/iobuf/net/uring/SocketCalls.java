package dev.iobuf.net.uring;

import dev.iobuf.internal.Libc;
import dev.iobuf.net.SocketAddressView;
import dev.iobuf.uring.Errno;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The few socket calls io_uring does not do for us here, through the project's one libc binding
 * ({@link Libc}): creating, binding and listening on a TCP socket, creating, binding and
 * connecting a UDP socket, socket options, closing.
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

    /** A UDP socket made by {@link #datagram}: its descriptor, family and local address. */
    record Datagram(int fd, boolean ipv6, InetSocketAddress local) {
    }

    /**
     * A UDP socket bound to {@code host:port} (port 0: any free port), or, when {@code peer} is
     * given, connected to it (and bound by the kernel to a free port of the wildcard address; then
     * {@code host} and {@code port} are ignored). Its kernel receive and send buffers are asked for
     * {@code receiveBytes} and {@code sendBytes} (the kernel caps them at rmem_max and wmem_max).
     *
     * @throws IOException naming the failed call and errno, or a host that does not resolve
     */
    static Datagram datagram(String host, int port, InetSocketAddress peer, int receiveBytes, int sendBytes)
            throws IOException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        InetAddress addr = peer != null ? peer.getAddress() : resolve(host);
        boolean v6 = addr instanceof Inet6Address;
        int family = v6 ? Libc.AF_INET6 : Libc.AF_INET;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoState(a);
            int fd = check(Libc.socket(errno, family, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0),
                    "socket(" + (v6 ? "AF_INET6" : "AF_INET") + ", SOCK_DGRAM)", null);
            try {
                raiseBuffer(a, errno, fd, Libc.SO_RCVBUF, receiveBytes);
                raiseBuffer(a, errno, fd, Libc.SO_SNDBUF, sendBytes);
                MemorySegment sa = a.allocate(Libc.SOCKADDR_IN6_BYTES, 8);
                SocketAddressView view = new SocketAddressView();
                if (peer != null) {
                    int len = SockAddr.write(sa, 0, view.set(peer), v6);
                    check(Libc.connect(errno, fd, sa.address(), len), "connect(" + peer + ")", null);
                } else {
                    int len = SockAddr.write(sa, 0, view.set(new InetSocketAddress(addr, port)), v6);
                    check(Libc.bind(errno, fd, sa.address(), len), "bind(" + addr.getHostAddress() + ":" + port + ")",
                            "pick another port or stop what uses it");
                }
                MemorySegment len = a.allocateFrom(JAVA_INT, Libc.SOCKADDR_IN6_BYTES);
                check(Libc.getsockname(errno, fd, sa.address(), len.address()), "getsockname", null);
                SockAddr.read(sa, 0, len.get(JAVA_INT, 0), view);
                return new Datagram(fd, v6, view.toInetSocketAddress());
            } catch (IOException | RuntimeException e) {
                close(fd);
                throw e;
            }
        }
    }

    /**
     * Asks for a socket buffer ({@code option} SO_RCVBUF or SO_SNDBUF) of {@code bytes} when that is
     * more than it has (never less than the system's default); a refusal or a cap leaves a smaller
     * buffer, which still works.
     */
    private static void raiseBuffer(Arena a, MemorySegment errno, int fd, int option, int bytes) {
        MemorySegment value = a.allocate(JAVA_INT);
        MemorySegment len = a.allocateFrom(JAVA_INT, 4);
        if (Libc.getsockopt(errno, fd, Libc.SOL_SOCKET, option, value.address(), len.address()) == 0
                && value.get(JAVA_INT, 0) / 2 >= bytes) { // Linux reports twice what was asked for (its bookkeeping)
            return;
        }
        value.set(JAVA_INT, 0, bytes);
        Libc.setsockopt(errno, fd, Libc.SOL_SOCKET, option, value.address(), 4);
    }

    /** {@code host} resolved (its first address). */
    static InetAddress resolve(String host) throws IOException {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IOException("cannot resolve host '" + host + "': " + e.getMessage(), e);
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
