package dev.iobuf.alloc;

/**
 * Statistics of one block size of a pool: an order of a {@link BuddyPool}, a class of a
 * {@link SlabPool}.
 *
 * @param blockSize bytes per block
 * @param inUse     blocks allocated now
 * @param free      blocks free now (in the buddy free lists, or in the class's free ring)
 * @param cached    blocks free in the per-order cache in front of a buddy system (0 for a slab)
 * @param borrowed  allocations this class served for a request of a smaller, exhausted class, since
 *                  the pool was created (0 for a buddy order)
 */
public record SizeClassStats(long blockSize, long inUse, long free, long cached, long borrowed) {
}
