package dev.iobuf.net;

import java.lang.foreign.MemorySegment;

/**
 * What an application does with the datagrams of a {@link DatagramEndpoint}, called on the
 * endpoint's loop thread, where the endpoint's methods may be called (a reply is a
 * {@link DatagramEndpoint#send} from {@link #onDatagram}). Nothing is allocated per datagram on
 * the way here: the payload is a view of the receive buffer it arrived in, the sender a reused
 * {@link SocketAddressView}. Only {@link #onDatagram} must be written, so a lambda will do.
 */
@FunctionalInterface
public interface DatagramHandler {
    /** The endpoint is open; receiving starts after this returns. */
    default void onOpen(DatagramEndpoint endpoint) {
    }

    /**
     * A datagram arrived: its payload is the {@code length} bytes at {@code offset} of
     * {@code buffer}, a view of the one receive buffer it arrived in (the same view each time that
     * buffer is used; bytes outside {@code [offset, offset + length)} belong to no datagram of
     * yours). The payload and {@code sender} are valid only during this call: the buffer goes back
     * to the kernel and the view is refilled once it returns; copy what you keep.
     *
     * @param endpoint       the endpoint it arrived on
     * @param buffer         the receive buffer
     * @param offset         where the payload starts in {@code buffer}
     * @param length         bytes of the payload received
     * @param sender         the sender's address (a view refilled for every datagram; on a
     *                       connected endpoint, its peer)
     * @param datagramLength the datagram's full length: {@code length}, or more when it did not fit
     *                       in the receive buffer ({@link DatagramEndpoint#maxReceiveLength()})
     *                       and only its first {@code length} bytes were kept (truncated)
     */
    void onDatagram(DatagramEndpoint endpoint, MemorySegment buffer, long offset, int length,
                    SocketAddressView sender, int datagramLength);

    /** A {@link DatagramEndpoint#send} was refused because every send buffer was in flight, and one is free now. */
    default void onWritable(DatagramEndpoint endpoint) {
    }

    /**
     * A send failed, or the socket reported an error while receiving; the endpoint stays open.
     * Datagrams are unreliable and their errors are advisory: {@code -ECONNREFUSED} (-111) on a
     * connected endpoint whose peer has no socket on that port (an ICMP port unreachable),
     * {@code -EMSGSIZE} (-90) for a datagram too long for the path, {@code -ENETUNREACH} (-101)...
     *
     * @param error {@code -errno}
     */
    default void onError(DatagramEndpoint endpoint, int error) {
    }

    /**
     * The endpoint is closed: its socket is closed and every buffer is back in its pool.
     *
     * @param reason 0 for {@link DatagramEndpoint#close()}, {@link DatagramEndpoint#REASON_SHUTDOWN}
     *               when the loop was shut down, otherwise the {@code -errno} that made the socket
     *               unusable
     */
    default void onClose(DatagramEndpoint endpoint, int reason) {
    }
}
