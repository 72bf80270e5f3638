package dev.iobuf.net.uring;

import dev.iobuf.internal.Libc;
import dev.iobuf.net.SocketAddressView;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The socket addresses the kernel reads and writes: to and from {@link SocketAddressView}s in
 * place and without allocating (datagrams), and to and from the JDK's {@link SocketAddress}es,
 * Unix-domain paths included ({@code sockaddr_un}: u16 family, char[108] path), for connections.
 *
 * <pre>
 * struct sockaddr_in (16 bytes)           struct sockaddr_in6 (28 bytes)
 *   0  sin_family  u16 (AF_INET, native)    0  sin6_family   u16 (AF_INET6, native)
 *   2  sin_port    u16 big-endian           2  sin6_port     u16 big-endian
 *   4  sin_addr    4 bytes                  4  sin6_flowinfo u32
 *   8  sin_zero    8 bytes, zero            8  sin6_addr     16 bytes
 *                                          24  sin6_scope_id u32 (native)
 * </pre>
 */
final class SockAddr {
    private static final ValueLayout.OfShort FAMILY = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfShort PORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt ADDR4 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong ADDR6 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt NATIVE_INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong NATIVE_LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    /** The IPv6 prefix of an IPv4-mapped address, {@code ::ffff:0:0/96}: its first 8 bytes are 0, the next 4 this. */
    private static final long MAPPED_PREFIX = 0x0000_FFFFL << 32;

    private SockAddr() {
    }

    /**
     * Writes {@code address} at {@code at} of {@code seg} for a socket of the given family
     * ({@code ipv6Socket}): an IPv4 address for an IPv6 socket becomes IPv4-mapped. Returns the
     * bytes written (the address length to give the kernel), or -1 when an IPv6 address cannot go
     * through an IPv4 socket.
     */
    static int write(MemorySegment seg, long at, SocketAddressView address, boolean ipv6Socket) {
        if (!ipv6Socket) {
            if (address.isIPv6()) {
                long hi = address.ipv6High();
                long lo = address.ipv6Low();
                if (hi != 0 || (lo & 0xFFFF_FFFF_0000_0000L) != MAPPED_PREFIX) {
                    return -1;
                }
                writeIPv4(seg, at, (int) lo, address.port());
            } else {
                writeIPv4(seg, at, address.ipv4(), address.port());
            }
            return Libc.SOCKADDR_IN_BYTES;
        }
        seg.set(FAMILY, at, (short) Libc.AF_INET6);
        seg.set(PORT, at + 2, (short) address.port());
        seg.set(NATIVE_INT, at + 4, 0);
        if (address.isIPv6()) {
            seg.set(ADDR6, at + 8, address.ipv6High());
            seg.set(ADDR6, at + 16, address.ipv6Low());
            seg.set(NATIVE_INT, at + 24, address.scopeId());
        } else {
            seg.set(ADDR6, at + 8, 0L);
            seg.set(ADDR6, at + 16, MAPPED_PREFIX | (address.ipv4() & 0xFFFF_FFFFL));
            seg.set(NATIVE_INT, at + 24, 0);
        }
        return Libc.SOCKADDR_IN6_BYTES;
    }

    private static void writeIPv4(MemorySegment seg, long at, int address, int port) {
        seg.set(FAMILY, at, (short) Libc.AF_INET);
        seg.set(PORT, at + 2, (short) port);
        seg.set(ADDR4, at + 4, address);
        seg.set(NATIVE_LONG, at + 8, 0L);
    }

    /**
     * Reads the {@code length}-byte address at {@code at} of {@code seg} into {@code into}; an
     * address of another family, or too short, empties it.
     */
    static void read(MemorySegment seg, long at, int length, SocketAddressView into) {
        if (length < 2) {
            into.clear();
            return;
        }
        int family = seg.get(FAMILY, at);
        int port = Short.toUnsignedInt(seg.get(PORT, at + 2));
        if (family == Libc.AF_INET && length >= Libc.SOCKADDR_IN_BYTES - 8) {
            into.setIPv4(seg.get(ADDR4, at + 4), port);
        } else if (family == Libc.AF_INET6 && length >= Libc.SOCKADDR_IN6_BYTES) {
            into.setIPv6(seg.get(ADDR6, at + 8), seg.get(ADDR6, at + 16), seg.get(NATIVE_INT, at + 24), port);
        } else {
            into.clear();
        }
    }

    // ---- the JDK's SocketAddress (connections: setup paths, allocation allowed), Unix paths too ----

    /** Room for any of the three. */
    static final int MAX_BYTES = 112;
    private static final int UN_PATH_MAX = 107;


    /** The address family ({@code AF_INET}, {@code AF_INET6}, {@code AF_UNIX}) of {@code address}. */
    static int family(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress) {
            return Libc.AF_UNIX;
        }
        InetSocketAddress in = inet(address);
        return in.getAddress() instanceof Inet6Address ? Libc.AF_INET6 : Libc.AF_INET;
    }

    private static InetSocketAddress inet(SocketAddress address) {
        if (!(address instanceof InetSocketAddress in)) {
            throw new IllegalArgumentException("not an internet or Unix-domain address: " + address);
        }
        if (in.isUnresolved()) {
            throw new IllegalArgumentException(in.getHostString() + " is not resolved (resolve host names first, off the loop)");
        }
        return in;
    }

    /**
     * Writes {@code address} into {@code dst} ({@link #MAX_BYTES} at least); returns its length.
     *
     * @throws IllegalArgumentException for an unresolved address, another kind of address, or a
     *                                  Unix path longer than 107 bytes
     */
    static int write(MemorySegment dst, SocketAddress address) {
        dst.asSlice(0, MAX_BYTES).fill((byte) 0);
        if (address instanceof UnixDomainSocketAddress un) {
            byte[] path = un.getPath().toString().getBytes(StandardCharsets.UTF_8);
            if (path.length > UN_PATH_MAX) {
                throw new IllegalArgumentException("a Unix socket path has at most " + UN_PATH_MAX + " bytes; "
                        + un.getPath() + " has " + path.length);
            }
            dst.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_UNIX);
            MemorySegment.copy(path, 0, dst, ValueLayout.JAVA_BYTE, 2, path.length);
            return 2 + path.length + 1;
        }
        InetSocketAddress in = inet(address);
        InetAddress a = in.getAddress();
        dst.set(PORT, 2, (short) in.getPort());
        if (a instanceof Inet6Address v6) {
            dst.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_INET6);
            MemorySegment.copy(v6.getAddress(), 0, dst, ValueLayout.JAVA_BYTE, 8, 16);
            dst.set(ValueLayout.JAVA_INT_UNALIGNED, 24, v6.getScopeId());
            return Libc.SOCKADDR_IN6_BYTES;
        }
        dst.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_INET);
        MemorySegment.copy(a.getAddress(), 0, dst, ValueLayout.JAVA_BYTE, 4, 4);
        return Libc.SOCKADDR_IN_BYTES;
    }

    /** The address of {@code length} bytes at {@code src}, as the kernel wrote it. */
    static SocketAddress read(MemorySegment src, int length) {
        int family = src.get(ValueLayout.JAVA_SHORT, 0);
        try {
            switch (family) {
                case Libc.AF_INET -> {
                    byte[] a = new byte[4];
                    MemorySegment.copy(src, ValueLayout.JAVA_BYTE, 4, a, 0, 4);
                    return new InetSocketAddress(Inet4Address.getByAddress(a), Short.toUnsignedInt(src.get(PORT, 2)));
                }
                case Libc.AF_INET6 -> {
                    byte[] a = new byte[16];
                    MemorySegment.copy(src, ValueLayout.JAVA_BYTE, 8, a, 0, 16);
                    int scope = src.get(ValueLayout.JAVA_INT_UNALIGNED, 24);
                    InetAddress addr = scope != 0 ? Inet6Address.getByAddress(null, a, scope) : InetAddress.getByAddress(a);
                    return new InetSocketAddress(addr, Short.toUnsignedInt(src.get(PORT, 2)));
                }
                case Libc.AF_UNIX -> {
                    int n = 0;
                    while (2 + n < length && src.get(ValueLayout.JAVA_BYTE, 2 + n) != 0) {
                        n++;
                    }
                    byte[] path = new byte[n];
                    MemorySegment.copy(src, ValueLayout.JAVA_BYTE, 2, path, 0, n);
                    return UnixDomainSocketAddress.of(new String(path, StandardCharsets.UTF_8));
                }
                default -> throw new IllegalArgumentException("address family " + family + " is not supported");
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a raw address of the right length was refused", e);
        }
    }
}
