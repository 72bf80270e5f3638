/**
 * The io_uring transport of {@link dev.iobuf.net}: {@link dev.iobuf.net.uring.IoUringTransport}
 * over an {@link dev.iobuf.uring.reactor.EventLoopGroup}. A listener with multishot accept, and
 * connections that receive through a provided-buffer ring fed by a {@link dev.iobuf.pool.BufferPool}
 * and send from pooled buffers. Everything but the transport itself is internal: a connection's
 * life cycle ({@code UringConnection}), its receiving half ({@code ReceiveSide}) and sending half
 * ({@code SendQueue}), and its loop's share of buffers and lists ({@code NetLoop}, behind the
 * {@code ConnectionLoop} seam the state machine's tests fake); and UDP endpoints
 * ({@code UringDatagramEndpoint}: a multishot RECVMSG into a buffer ring of their own, SENDMSG or
 * SENDMSG_ZC from one pooled buffer per send in flight), closed with their loop through
 * {@code DatagramLoop}.
 */
package dev.iobuf.net.uring;
