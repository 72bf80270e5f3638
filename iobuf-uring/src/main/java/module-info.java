/** iobuf uring: io_uring in pure Java through the Foreign Function &amp; Memory API, and its event loop. */
module dev.iobuf.uring {
    requires transitive dev.iobuf.core;
    exports dev.iobuf.uring;
    exports dev.iobuf.uring.reactor;
}
