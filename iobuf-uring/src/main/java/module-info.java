/** iobuf uring: io_uring in pure Java through the Foreign Function &amp; Memory API. */
module dev.iobuf.uring {
    requires transitive dev.iobuf.core;
    exports dev.iobuf.uring;
    exports dev.iobuf.uring.reactor;
    exports dev.iobuf.net;
}
