/**
 * iobuf core: aligned native memory, lock-free buffer pools and arena allocators.
 * No runtime dependency beyond {@code java.base}.
 */
module dev.iobuf.core {
    requires jdk.jfr;
    exports dev.iobuf.memory;
    exports dev.iobuf.pool;
    exports dev.iobuf.alloc;
    // What iobuf's modules share and users do not see: the one libc binding.
    exports dev.iobuf.internal to dev.iobuf.uring, dev.iobuf.net, dev.iobuf.files, dev.iobuf.http, dev.iobuf.cli;
}
