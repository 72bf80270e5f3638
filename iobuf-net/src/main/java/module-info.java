/** iobuf net: sockets on the io_uring event loop, in callbacks and in blocking calls for virtual threads. */
module dev.iobuf.net {
    requires transitive dev.iobuf.uring;
    exports dev.iobuf.net;
}
