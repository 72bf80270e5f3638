/**
 * TCP over io_uring: a listener with multishot accept and connections that receive through a
 * provided-buffer ring fed by a {@link dev.iobuf.pool.BufferPool} and send from pooled buffers.
 * Two styles on the same machinery: callbacks on the event loop ({@link dev.iobuf.net.TcpHandler})
 * and blocking reads and writes for one virtual thread per connection
 * ({@link dev.iobuf.net.BlockingConnection}).
 */
package dev.iobuf.net;
