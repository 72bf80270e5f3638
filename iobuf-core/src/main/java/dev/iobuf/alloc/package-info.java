/**
 * Arena allocators whose memory can be registered with the kernel once, and the handle users hold.
 *
 * <p>Two layers:
 * <ul>
 *   <li>{@link dev.iobuf.alloc.BackingPool}: how one arena is cut. {@link dev.iobuf.alloc.BuddyPool}
 *       (binary buddy system with a lock-free per-order cache in front) and
 *       {@link dev.iobuf.alloc.SlabPool} (several size classes in one arena). A block is named by a
 *       {@code long} ticket ({@link dev.iobuf.alloc.Block}); allocating and freeing a ticket
 *       allocates nothing on the Java heap and reports exhaustion as {@link dev.iobuf.alloc.Block#FAILED}.</li>
 *   <li>{@link dev.iobuf.alloc.BufPool}: the user-facing pool of {@link dev.iobuf.alloc.FixedBuf}
 *       handles. {@link dev.iobuf.alloc.RegisteredPool} registers every arena's regions once through a
 *       {@link dev.iobuf.alloc.BufferRegistrar} and stamps each handle with its registered buffer
 *       index and offset; {@link dev.iobuf.alloc.LeakDetector} reports handles that were never
 *       closed.</li>
 * </ul>
 *
 * <p>Naming convention for memory accesses inside this package (after JCTools): {@code lv} load
 * volatile, {@code la} load acquire, {@code lp} load plain, {@code so} store ordered (release),
 * {@code sv} store volatile, {@code cas} compare-and-set.
 */
package dev.iobuf.alloc;
