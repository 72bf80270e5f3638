/**
 * io_uring in pure Java: the ring ({@link dev.iobuf.uring.IoUring}), submission entries
 * ({@link dev.iobuf.uring.Sqe}), completions ({@link dev.iobuf.uring.CqeHandler},
 * {@link dev.iobuf.uring.Cqe}), registration and provided-buffer rings
 * ({@link dev.iobuf.uring.BufferRing}), all through the Foreign Function &amp; Memory API.
 *
 * <p>Conventions inside the package. Accesses to memory shared with the kernel are named by their
 * ordering, JCTools style: {@code la} load-acquire, {@code lo} load-opaque, {@code so} store-release
 * (ordered), {@code lp}/{@code sp} plain. Struct offsets live in one {@code *Layout} class per
 * struct and nowhere else. Syscalls return {@code -errno} instead of throwing; the public methods
 * that are not on the hot path turn those into {@link dev.iobuf.uring.IoUringException}s that say
 * what to do.
 */
package dev.iobuf.uring;
