/**
 * iobuf net: the network API ({@code dev.iobuf.net}) and its io_uring transport
 * ({@code dev.iobuf.net.uring}), in callbacks and in blocking calls for virtual threads.
 */
module dev.iobuf.net {
    requires transitive dev.iobuf.uring;
    exports dev.iobuf.net;
    exports dev.iobuf.net.uring;
}
