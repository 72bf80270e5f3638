package dev.iobuf.files;

import dev.iobuf.internal.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** A TCP client socket as a raw file descriptor, connected to a port on 127.0.0.1, for handing to the ring in tests. */
final class SocketFds {
    private SocketFds() {
    }

    static int connectLoopback(int port) {
        int fd = Libc.socket(Libc.IGNORED_ERRNO, Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IllegalStateException("socket: " + fd);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(Libc.SOCKADDR_IN_BYTES);
            sa.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_INET);
            sa.set(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
            sa.set(ValueLayout.JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN), 4, 0x7F000001);
            int rc = Libc.connect(Libc.IGNORED_ERRNO, fd, sa.address(), Libc.SOCKADDR_IN_BYTES);
            if (rc < 0) {
                Libc.close(Libc.IGNORED_ERRNO, fd);
                throw new IllegalStateException("connect: " + rc);
            }
        }
        return fd;
    }

    static void close(int fd) {
        Libc.close(Libc.IGNORED_ERRNO, fd);
    }
}
