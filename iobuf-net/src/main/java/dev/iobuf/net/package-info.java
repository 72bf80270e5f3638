/**
 * The network API, independent of how connections are carried: a {@link dev.iobuf.net.Transport}
 * serves {@link dev.iobuf.net.Server}s whose {@link dev.iobuf.net.Connection}s are handled in one
 * of two styles on the same machinery, callbacks on the connection's loop thread
 * ({@link dev.iobuf.net.ConnectionHandler}) or blocking calls on one virtual thread per connection
 * ({@link dev.iobuf.net.BlockingHandler}, {@link dev.iobuf.net.BlockingConnection}), sized and
 * timed by a {@link dev.iobuf.net.NetConfig}; and UDP sockets, {@link dev.iobuf.net.DatagramEndpoint}s
 * whose datagrams reach a {@link dev.iobuf.net.DatagramHandler} with the sender as a reused
 * {@link dev.iobuf.net.SocketAddressView}. The io_uring transport is in {@link dev.iobuf.net.uring}.
 */
package dev.iobuf.net;
