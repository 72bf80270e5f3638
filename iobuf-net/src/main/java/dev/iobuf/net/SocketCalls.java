package dev.iobuf.net;

import dev.iobuf.uring.Errno;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few libc socket calls io_uring does not do for us here: creating, binding and listening on
 * a TCP socket, socket options, closing. Setup-path calls report errno; the per-connection ones
 * ({@link #close}, {@link #setNoDelay}) allocate nothing.
 */
final class SocketCalls {
    static final int AF_INET = 2;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_REUSEADDR = 2;
    static final int IPPROTO_TCP = 6;
    static final int TCP_NODELAY = 1;
    static final int SHUT_WR = 1;
    /** struct sockaddr_in: family u16, port u16 (network order), addr u32 (network order), 8 bytes zero. */
    static final int SOCKADDR_IN_BYTES = 16;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CCS = Linker.Option.captureCallState("errno");
    private static final MethodHandle SOCKET = link("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), CCS);
    private static final MethodHandle SETSOCKOPT = link("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), CCS);
    private static final MethodHandle SETSOCKOPT_QUIET = link("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle BIND = link("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), CCS);
    private static final MethodHandle LISTEN = link("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CCS);
    private static final MethodHandle GETSOCKNAME = link("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), CCS);
    private static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SHUTDOWN = link("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /** An int 1 for socket options, never written. */
    private static final MemorySegment ONE = Arena.global().allocateFrom(JAVA_INT, 1);

    private SocketCalls() {
    }

    private static MethodHandle link(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, fd, options);
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
            MemorySegment errno = a.allocate(CAPTURE);
            int fd = (int) SOCKET.invokeExact(errno, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            check(fd, errno, "socket(AF_INET, SOCK_STREAM)", null);
            try {
                check((int) SETSOCKOPT.invokeExact(errno, fd, SOL_SOCKET, SO_REUSEADDR, ONE.address(), 4), errno,
                        "setsockopt(SO_REUSEADDR)", null);
                MemorySegment sa = a.allocate(SOCKADDR_IN_BYTES);
                sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
                sa.set(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
                MemorySegment.copy(addr.getAddress(), 0, sa, ValueLayout.JAVA_BYTE, 4, 4);
                check((int) BIND.invokeExact(errno, fd, sa.address(), SOCKADDR_IN_BYTES), errno,
                        "bind(" + addr.getHostAddress() + ":" + port + ")", "pick another port or stop what uses it");
                check((int) LISTEN.invokeExact(errno, fd, backlog), errno, "listen", null);
                MemorySegment len = a.allocateFrom(JAVA_INT, SOCKADDR_IN_BYTES);
                check((int) GETSOCKNAME.invokeExact(errno, fd, sa.address(), len.address()), errno, "getsockname", null);
                int bound = Short.toUnsignedInt(sa.get(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2));
                return new int[] {fd, bound};
            } catch (IOException | RuntimeException e) {
                close(fd);
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native socket call failed", t);
        }
    }

    private static void check(int rc, MemorySegment errno, String call, String advice) throws IOException {
        if (rc < 0) {
            int e = (int) ERRNO.get(errno, 0L);
            throw new IOException(call + " failed: " + Errno.describe(-e) + (advice == null ? "" : "; " + advice));
        }
    }

    /** TCP_NODELAY on {@code fd}; failures are ignored (the socket still works, only slower). */
    static void setNoDelay(int fd) {
        try {
            int rc = (int) SETSOCKOPT_QUIET.invokeExact(fd, IPPROTO_TCP, TCP_NODELAY, ONE.address(), 4);
        } catch (Throwable t) {
            throw new IllegalStateException("setsockopt failed", t);
        }
    }

    /** Ends the sending direction of {@code fd} (FIN after queued data); errors are ignored. */
    static void shutdownOutput(int fd) {
        try {
            int rc = (int) SHUTDOWN.invokeExact(fd, SHUT_WR);
        } catch (Throwable t) {
            throw new IllegalStateException("shutdown failed", t);
        }
    }

    /** Closes {@code fd}; errors are ignored (Linux releases the descriptor even when close fails). */
    static void close(int fd) {
        try {
            int rc = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close failed", t);
        }
    }
}
