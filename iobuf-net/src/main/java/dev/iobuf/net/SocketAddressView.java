package dev.iobuf.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * An IP socket address (IPv4 or IPv6 address and port) held in a few fields of a reusable object,
 * so that the sender of every datagram can be handed to a {@link DatagramHandler} without
 * allocating anything: the transport refills one view per endpoint for each datagram. Format it
 * ({@link #appendTo}), compare it ({@link #sameAs}), copy it into a view of your own
 * ({@link #set(SocketAddressView)}) or into an {@link InetSocketAddress} ({@link #toInetSocketAddress()},
 * which allocates) when you keep it; a view you were handed changes with the next datagram.
 *
 * <p>Views made by the application ({@link #of}, {@link #ipv4}, {@code new SocketAddressView()}
 * and the setters) are the addresses {@link DatagramEndpoint#send} sends to; set one up once and
 * send to it as often as you like, without allocating. Mutable and not thread-safe.
 *
 * <pre>{@code
 * SocketAddressView peer = SocketAddressView.of(new InetSocketAddress("127.0.0.1", 9000));
 * endpoint.send(bytes, 0, bytes.length, peer);
 * }</pre>
 */
public final class SocketAddressView {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private boolean set;
    private boolean v6;
    private int port;
    /** IPv4: the address in the low 32 bits (first octet highest); IPv6: the first 8 bytes. */
    private long high;
    /** IPv6: the last 8 bytes. */
    private long low;
    private int scopeId;

    /** An empty view ({@link #isSet()} false) to fill with the setters. */
    public SocketAddressView() {
    }

    /**
     * A view of {@code address}, which must be resolved.
     *
     * @throws IllegalArgumentException for an unresolved address
     */
    public static SocketAddressView of(InetSocketAddress address) {
        return new SocketAddressView().set(address);
    }

    /** A view of IPv4 address {@code a.b.c.d} (given as {@code address = a << 24 | b << 16 | c << 8 | d}) and {@code port}. */
    public static SocketAddressView ipv4(int address, int port) {
        return new SocketAddressView().setIPv4(address, port);
    }

    // ---- setters ----------------------------------------------------------------------------------

    /** Holds IPv4 {@code address} ({@code a << 24 | b << 16 | c << 8 | d}) and {@code port} from now on; returns this view. */
    public SocketAddressView setIPv4(int address, int port) {
        checkPort(port);
        this.set = true;
        this.v6 = false;
        this.port = port;
        this.high = address & 0xFFFF_FFFFL;
        this.low = 0;
        this.scopeId = 0;
        return this;
    }

    /**
     * Holds the IPv6 address whose 16 bytes are {@code high} (the first 8, big-endian) and
     * {@code low} (the last 8), with {@code scopeId} (0: none) and {@code port}; returns this view.
     */
    public SocketAddressView setIPv6(long high, long low, int scopeId, int port) {
        checkPort(port);
        this.set = true;
        this.v6 = true;
        this.port = port;
        this.high = high;
        this.low = low;
        this.scopeId = scopeId;
        return this;
    }

    /** Holds what {@code other} holds; returns this view. */
    public SocketAddressView set(SocketAddressView other) {
        this.set = other.set;
        this.v6 = other.v6;
        this.port = other.port;
        this.high = other.high;
        this.low = other.low;
        this.scopeId = other.scopeId;
        return this;
    }

    /**
     * Holds {@code address}, which must be resolved; returns this view.
     *
     * @throws IllegalArgumentException for an unresolved address
     */
    public SocketAddressView set(InetSocketAddress address) {
        InetAddress a = address.getAddress();
        if (a == null) {
            throw new IllegalArgumentException("the address " + address + " is not resolved");
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            return setIPv4(((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF),
                    address.getPort());
        }
        return setIPv6(bytesToLong(b, 0), bytesToLong(b, 8), ((Inet6Address) a).getScopeId(), address.getPort());
    }

    /** Empties the view ({@link #isSet()} false). */
    public void clear() {
        set = false;
        v6 = false;
        port = 0;
        high = 0;
        low = 0;
        scopeId = 0;
    }

    private static void checkPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
    }

    private static long bytesToLong(byte[] b, int from) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[from + i] & 0xFF);
        }
        return v;
    }

    // ---- getters ----------------------------------------------------------------------------------

    /** Whether the view holds an address. */
    public boolean isSet() {
        return set;
    }

    /** Whether the address is an IPv6 one (an IPv4 peer of a dual-stack IPv6 socket is IPv4-mapped, {@code ::ffff:a.b.c.d}). */
    public boolean isIPv6() {
        return v6;
    }

    /** The port. */
    public int port() {
        return port;
    }

    /** The IPv4 address as {@code a << 24 | b << 16 | c << 8 | d}; 0 for an IPv6 address. */
    public int ipv4() {
        return v6 ? 0 : (int) high;
    }

    /** The first 8 bytes of the IPv6 address, big-endian; 0 for an IPv4 address. */
    public long ipv6High() {
        return v6 ? high : 0;
    }

    /** The last 8 bytes of the IPv6 address, big-endian; 0 for an IPv4 address. */
    public long ipv6Low() {
        return v6 ? low : 0;
    }

    /** The IPv6 scope id (the interface of a link-local address); 0 when none. */
    public int scopeId() {
        return scopeId;
    }

    /** Whether {@code other} holds the same address, port and scope. */
    public boolean sameAs(SocketAddressView other) {
        return other != null && set == other.set && v6 == other.v6 && port == other.port && high == other.high
                && low == other.low && scopeId == other.scopeId;
    }

    // ---- conversions ------------------------------------------------------------------------------

    /**
     * A new {@link InetSocketAddress} of this address (allocates; an IPv4-mapped IPv6 address
     * becomes an IPv4 one, as {@link InetAddress#getByAddress(byte[])} makes it).
     *
     * @throws IllegalStateException when the view is empty
     */
    public InetSocketAddress toInetSocketAddress() {
        if (!set) {
            throw new IllegalStateException("the view holds no address");
        }
        try {
            if (!v6) {
                int a = (int) high;
                return new InetSocketAddress(InetAddress.getByAddress(
                        new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a}), port);
            }
            byte[] b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (high >>> (56 - 8 * i));
                b[8 + i] = (byte) (low >>> (56 - 8 * i));
            }
            InetAddress addr = scopeId != 0 ? Inet6Address.getByAddress(null, b, scopeId) : InetAddress.getByAddress(b);
            return new InetSocketAddress(addr, port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("unreachable: an address of 4 or 16 bytes", e);
        }
    }

    /**
     * Appends the address to {@code sb} as {@code a.b.c.d:port}, or {@code [x:x:x:x:x:x:x:x%scope]:port}
     * for IPv6 (uncompressed, as {@link Inet6Address#getHostAddress()} writes it), or {@code unset};
     * allocates nothing when {@code sb} has room. Returns {@code sb}.
     */
    public StringBuilder appendTo(StringBuilder sb) {
        if (!set) {
            return sb.append("unset");
        }
        if (!v6) {
            int a = (int) high;
            sb.append(a >>> 24).append('.').append((a >>> 16) & 0xFF).append('.').append((a >>> 8) & 0xFF)
                    .append('.').append(a & 0xFF);
        } else {
            sb.append('[');
            for (int g = 0; g < 8; g++) {
                if (g > 0) {
                    sb.append(':');
                }
                int v = (int) ((g < 4 ? high >>> (48 - 16 * g) : low >>> (48 - 16 * (g - 4))) & 0xFFFF);
                boolean started = false;
                for (int shift = 12; shift >= 0; shift -= 4) {
                    int d = (v >>> shift) & 0xF;
                    if (d != 0 || started || shift == 0) {
                        sb.append(HEX[d]);
                        started = true;
                    }
                }
            }
            if (scopeId != 0) {
                sb.append('%').append(scopeId);
            }
            sb.append(']');
        }
        return sb.append(':').append(port);
    }

    /** The address as {@link #appendTo} writes it (allocates). */
    @Override
    public String toString() {
        return appendTo(new StringBuilder(48)).toString();
    }
}
