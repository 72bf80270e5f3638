/**
 * iobuf core: aligned native memory, lock-free buffer pools and arena allocators.
 * No runtime dependency beyond {@code java.base}.
 */
module dev.iobuf.core {
    requires jdk.jfr;
    exports dev.iobuf.memory;
    exports dev.iobuf.pool;
    exports dev.iobuf.alloc;
}
