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
import java.net.SocketAddress;
import java.net.UnknownHostException;

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
     * {@code host:port} resolved here, on the caller's thread (port 0: any free port).
     *
     * @throws IOException naming the host when it cannot be resolved
     */
    static InetSocketAddress resolve(String host, int port) throws IOException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IOException("cannot resolve host '" + host + "': " + e.getMessage(), e);
        }
    }

    /**
     * A stream socket listening on {@code address}: IPv4, IPv6 (with {@code dualStack}, an IPv6
     * wildcard also takes IPv4 connections) or a Unix-domain path (which must not exist yet).
     * SO_REUSEADDR for internet sockets; SO_REUSEPORT when asked (several listeners, one per loop).
     *
     * @throws IOException naming the failed call, the address and errno
     */
    static int listen(SocketAddress address, int backlog, boolean dualStack, boolean reusePort) throws IOException {
        int family = SockAddr.family(address);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoState(a);
            int fd = check(Libc.socket(errno, family, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0),
                    "socket(" + familyName(family) + ", SOCK_STREAM)", null);
            try {
                if (family != Libc.AF_UNIX) {
                    check(Libc.setsockopt(errno, fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, ONE.address(), 4),
                            "setsockopt(SO_REUSEADDR)", null);
                }
                if (reusePort) {
                    check(Libc.setsockopt(errno, fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, ONE.address(), 4),
                            "setsockopt(SO_REUSEPORT)", null);
                }
                if (family == Libc.AF_INET6) {
                    MemorySegment v6only = a.allocateFrom(JAVA_INT, dualStack ? 0 : 1);
                    check(Libc.setsockopt(errno, fd, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, v6only.address(), 4),
                            "setsockopt(IPV6_V6ONLY)", null);
                }
                MemorySegment sa = a.allocate(SockAddr.MAX_BYTES, 8);
                int len = SockAddr.write(sa, address);
                check(Libc.bind(errno, fd, sa.address(), len), "bind(" + address + ")",
                        family == Libc.AF_UNIX ? "the path exists already (delete a stale socket file) or its directory is missing"
                                : "pick another port or stop what uses it");
                check(Libc.listen(errno, fd, backlog), "listen", null);
                return fd;
            } catch (IOException | RuntimeException e) {
                close(fd);
                throw e;
            }
        }
    }

    /** A new non-listening stream socket for {@code remote}'s family. */
    static int socketFor(SocketAddress remote) throws IOException {
        int family = SockAddr.family(remote);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoState(a);
            return check(Libc.socket(errno, family, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0),
                    "socket(" + familyName(family) + ", SOCK_STREAM)", "the process may be out of file descriptors");
        }
    }

    /** The address {@code fd} is bound to ({@code getsockname}). */
    static SocketAddress localAddress(int fd) {
        return name(fd, true);
    }

    /** The address of {@code fd}'s peer ({@code getpeername}); null when it is not connected. */
    static SocketAddress remoteAddress(int fd) {
        return name(fd, false);
    }

    private static SocketAddress name(int fd, boolean local) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(SockAddr.MAX_BYTES, 8);
            MemorySegment len = a.allocateFrom(JAVA_INT, SockAddr.MAX_BYTES);
            int rc = local ? Libc.getsockname(Libc.IGNORED_ERRNO, fd, sa.address(), len.address())
                    : Libc.getpeername(Libc.IGNORED_ERRNO, fd, sa.address(), len.address());
            return rc < 0 ? null : SockAddr.read(sa, len.get(JAVA_INT, 0));
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
     * Sets a socket option: {@code TCP_NODELAY}, {@code SO_KEEPALIVE}, {@code SO_RCVBUF},
     * {@code SO_SNDBUF}, {@code SO_LINGER} (seconds; negative: off), {@code SO_REUSEADDR} of
     * {@link java.net.StandardSocketOptions}, and {@code TCP_KEEPIDLE}, {@code TCP_KEEPINTERVAL},
     * {@code TCP_KEEPCOUNT} of {@code jdk.net.ExtendedSocketOptions}.
     *
     * @throws UnsupportedOperationException for another option
     * @throws IOException                   when the kernel refuses, naming option and errno
     */
    static <T> void setOption(int fd, java.net.SocketOption<T> option, T value) throws IOException {
        int[] where = level(option);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoState(a);
            MemorySegment v;
            if (option == java.net.StandardSocketOptions.SO_LINGER) {
                int secs = (Integer) value;
                if (secs > 0) {
                    // close() is a direct call on the loop thread: a lingering close would stall the loop
                    throw new IllegalArgumentException("SO_LINGER " + secs + " s would block the loop thread in close(); "
                            + "use 0 (close with a reset) or -1 (off; the transport's close lingers by itself)");
                }
                v = a.allocate(8, 4);
                v.set(JAVA_INT, 0, secs < 0 ? 0 : 1);
                v.set(JAVA_INT, 4, Math.max(0, secs));
            } else {
                int iv = value instanceof Boolean b ? (b ? 1 : 0) : (Integer) value;
                if (iv < 0) {
                    throw new IllegalArgumentException(option.name() + " must not be negative, got " + iv);
                }
                v = a.allocateFrom(JAVA_INT, iv);
            }
            check(Libc.setsockopt(errno, fd, where[0], where[1], v.address(), (int) v.byteSize()),
                    "setsockopt(" + option.name() + ", " + value + ")", null);
        }
    }

    /** Reads a socket option ({@link #setOption} lists which); {@code SO_LINGER} is -1 when off. */
    @SuppressWarnings("unchecked")
    static <T> T getOption(int fd, java.net.SocketOption<T> option) throws IOException {
        int[] where = level(option);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrnoState(a);
            MemorySegment v = a.allocate(8, 4);
            MemorySegment len = a.allocateFrom(JAVA_INT, 8);
            check(Libc.getsockopt(errno, fd, where[0], where[1], v.address(), len.address()),
                    "getsockopt(" + option.name() + ")", null);
            if (option == java.net.StandardSocketOptions.SO_LINGER) {
                return (T) Integer.valueOf(v.get(JAVA_INT, 0) == 0 ? -1 : v.get(JAVA_INT, 4));
            }
            int iv = v.get(JAVA_INT, 0);
            return option.type() == Boolean.class ? (T) Boolean.valueOf(iv != 0) : (T) Integer.valueOf(iv);
        }
    }

    private static int[] level(java.net.SocketOption<?> option) {
        String n = option.name();
        return switch (n) {
            case "TCP_NODELAY" -> new int[] {Libc.IPPROTO_TCP, Libc.TCP_NODELAY};
            case "SO_KEEPALIVE" -> new int[] {Libc.SOL_SOCKET, 9};
            case "SO_SNDBUF" -> new int[] {Libc.SOL_SOCKET, Libc.SO_SNDBUF};
            case "SO_RCVBUF" -> new int[] {Libc.SOL_SOCKET, Libc.SO_RCVBUF};
            case "SO_LINGER" -> new int[] {Libc.SOL_SOCKET, 13};
            case "SO_REUSEADDR" -> new int[] {Libc.SOL_SOCKET, Libc.SO_REUSEADDR};
            case "TCP_KEEPIDLE" -> new int[] {Libc.IPPROTO_TCP, 4};
            case "TCP_KEEPINTERVAL" -> new int[] {Libc.IPPROTO_TCP, 5};
            case "TCP_KEEPCOUNT" -> new int[] {Libc.IPPROTO_TCP, 6};
            default -> throw new UnsupportedOperationException("socket option " + n + " is not supported");
        };
    }

    private static String familyName(int family) {
        return family == Libc.AF_INET6 ? "AF_INET6" : family == Libc.AF_UNIX ? "AF_UNIX" : "AF_INET";
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
