package dev.iobuf.net.uring;

import dev.iobuf.internal.Libc;

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
 * The kernel's socket addresses ({@code <netinet/in.h>}, {@code <sys/un.h>}) to and from the
 * JDK's {@link SocketAddress}es:
 *
 * <pre>
 * sockaddr_in   (16 bytes): u16 family = AF_INET,  u16 port (big-endian), u8[4] address, u8[8] zero
 * sockaddr_in6  (28 bytes): u16 family = AF_INET6, u16 port (big-endian), u32 flowinfo,
 *                           u8[16] address, u32 scope_id
 * sockaddr_un  (110 bytes): u16 family = AF_UNIX,  char[108] path (NUL-terminated)
 * </pre>
 */
final class Sockaddr {
    /** Room for any of the three. */
    static final int MAX_BYTES = 112;
    static final int IN_BYTES = 16;
    static final int IN6_BYTES = 28;
    static final int UN_BYTES = 110;
    private static final int UN_PATH_MAX = 107;
    private static final ValueLayout.OfShort PORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Sockaddr() {
    }

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
            return IN6_BYTES;
        }
        dst.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_INET);
        MemorySegment.copy(a.getAddress(), 0, dst, ValueLayout.JAVA_BYTE, 4, 4);
        return IN_BYTES;
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
